import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE } from '../../src/audio/format.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

/** gpt-audio: (900 x 2.50 + 100 x 32 + 200 x 10 + 1800 x 64) / 1M = $0.12265 per answer. */
const USAGE = {
  prompt_tokens: 1_000,
  completion_tokens: 2_000,
  total_tokens: 3_000,
  prompt_tokens_details: { text_tokens: 900, audio_tokens: 100, cached_tokens: 0 },
  completion_tokens_details: { text_tokens: 200, audio_tokens: 1_800, reasoning_tokens: 0 },
};
const COST = 0.12265;

describe('cost limits and /usage', () => {
  let bed: TestBed;
  const ask = (userId: string, prompt = 'hi') =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId, name: 'ask', options: { prompt, speak: false } });
  const answered = async (interaction: ReturnType<typeof ask>) => {
    await interaction.waitFor((r) => (r.kind === 'edit' || r.type === 4) && !String(r.body.content).endsWith('…'), 15_000);
    return interaction.lastContent() ?? '';
  };

  beforeAll(async () => {
    bed = await startTestBed({ PARLEY_COOLDOWN_SECONDS: '30', PARLEY_DAILY_BUDGET_USD: '0.2' });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('refuses a member who asks again within the cooldown, privately, saying how long to wait', async () => {
    bed.openai.scriptChat({ transcript: 'First.', textOnly: true, usage: USAGE });
    expect(await answered(ask(bed.ids.alice))).toContain('First.');
    const refusal = await ask(bed.ids.alice).waitForReply();
    expect(refusal.ephemeral).toBe(true);
    expect(refusal.body.content).toMatch(/Please wait (2\d|30) s before asking again/);
  });

  it('refuses the server once its daily budget is spent, says when it resets, and tells the channel once', async () => {
    bed.openai.scriptChat({ transcript: 'Second.', textOnly: true, usage: USAGE });
    expect(await answered(ask(bed.ids.bob))).toContain('Second.');
    const requests = bed.openai.requests.length;
    const refusal = await ask(bed.ids.mod).waitForReply();
    expect(refusal.ephemeral).toBe(true);
    expect(refusal.body.content).toMatch(/used today's Parley budget \(\$0\.20\)\. It resets at 00:00 UTC, in \d+/);
    const notice = await bed.discord.waitForChannelMessage(bed.ids.text, (m) => String(m.body.content).includes('daily budget'));
    // The member's answer is not held up by the channel notice.
    expect(notice.at).toBeGreaterThanOrEqual(refusal.at);
    await ask(bed.ids.mod).waitForReply();
    expect(bed.discord.channelMessages(bed.ids.text).filter((m) => String(m.body.content).includes('daily budget'))).toHaveLength(1);
    expect(bed.openai.requests.length).toBe(requests);
  });

  it('/usage shows the spend and tokens the fake OpenAI reported; moderators also see top members', async () => {
    const usage = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'usage' });
    expect((await usage.waitForReply()).ephemeral).toBe(true);
    const member = await usage.waitFor((r) => r.kind === 'edit');
    const content = String(member.body.content);
    expect(content).toContain(`$${(2 * COST).toFixed(2)} over 2 model calls`);
    expect(content).toContain('tokens in: 1800 text (0 cached), 200 audio · out: 400 text, 3600 audio');
    expect(content).not.toContain('Top members');
    const mod = await bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name: 'usage' }).waitFor((r) => r.kind === 'edit');
    expect(String(mod.body.content)).toMatch(/Top members this month:\n1\. <@\d+>: \$0\.12/);
    expect(mod.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('stops listening cleanly when the budget runs out mid-conversation', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    // The budget was spent above; /talk itself costs nothing, the next utterance would.
    const start = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'talk', subcommand: 'start' });
    await start.waitFor((r) => r.kind === 'edit');
    const requests = bed.openai.requests.length;
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(700, DISCORD_PCM_RATE, 91, 2));
    await bed.discord.waitForChannelMessage(bed.ids.voice, (m) => String(m.body.content).includes('I stopped listening'), 10_000);
    expect(bed.bot.ctx.talk.get(bed.ids.guild)?.listening ?? []).toEqual([]);
    expect(bed.openai.requests.length).toBe(requests);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)?.isReady).toBe(true);
  });
});
