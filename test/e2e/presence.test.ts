import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

describe('presence: leaving when alone or idle, following a member', () => {
  let bed: TestBed;
  const join = (userId: string, options?: Record<string, boolean | string>) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId, name: 'join', options });

  beforeAll(async () => {
    bed = await startTestBed({ PARLEY_ALONE_LEAVE_SECONDS: '1', PARLEY_IDLE_LEAVE_SECONDS: '2', PARLEY_EARLY_START_MS: '0' });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('leaves after being alone for a while and says so in the channel chat', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    await join(bed.ids.alice).waitFor((r) => r.kind === 'edit');
    await bed.discord.waitForBotVoice(bed.ids.guild, bed.ids.voice);
    const leftAt = performance.now();
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, null);
    const notice = await bed.discord.waitForChannelMessage(bed.ids.voice, (m) => String(m.body.content).includes('nobody else was here'), 10_000);
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    expect(performance.now() - leftAt).toBeGreaterThanOrEqual(900);
    expect(notice.body.allowed_mentions).toEqual({ parse: [] });
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
  });

  it('leaves after the idle time, but never in the middle of an answer', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    await join(bed.ids.alice).waitFor((r) => r.kind === 'edit');
    // A 3 s answer played at real time: longer than the 2 s idle limit.
    bed.openai.scriptChat({ transcript: 'A long answer that takes its time.', audio: speechLike(3_000, OPENAI_PCM_RATE, 81), speed: 1 });
    const capture = bed.discord.capture(bed.ids.guild);
    capture.reset();
    const ask = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt: 'Tell me something long.' } });
    await ask.waitFor((r) => r.kind === 'edit');
    await bed.discord.waitForChannelMessage(bed.ids.voice, (m) => String(m.body.content).includes("nobody spoke"), 15_000);
    const answerPackets = capture.packets.filter((p) => !p.silence);
    // The whole answer was heard (150 packets of 20 ms), and the bot left only after it.
    expect(answerPackets.length).toBeGreaterThanOrEqual(145);
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    const stored = [...(await bed.bot.ctx.store.history(bed.ids.text)), ...(await bed.bot.ctx.store.history(bed.ids.voice))];
    const turn = stored.filter((t) => t.kind === 'assistant').at(-1);
    expect(turn).toMatchObject({ status: 'complete' });
  });

  it('follows the member who asked (follow:true) to another voice channel, listening on there', async () => {
    // Longer limits for this one: the member moves and talks.
    bed.bot.ctx.presence.stop();
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, bed.ids.voice);
    const joined = join(bed.ids.alice, { follow: true });
    await joined.waitFor((r) => r.kind === 'edit');
    expect(joined.lastContent()).toMatch(/follow you/);
    const talk = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'talk', subcommand: 'start' });
    await talk.waitFor((r) => r.kind === 'edit');

    // Bob moving does nothing; Alice moving takes the bot along.
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, bed.ids.voice2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bed.bot.ctx.voice.get(bed.ids.guild)?.channelId).toBe(bed.ids.voice);
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice2);
    await bed.discord.waitForBotVoice(bed.ids.guild, bed.ids.voice2);
    await bed.discord.waitForChannelMessage(bed.ids.voice2, (m) => String(m.body.content).includes('I followed Alice'));
    await expect.poll(() => bed.bot.ctx.talk.get(bed.ids.guild)?.listening, { timeout: 5_000 }).toEqual([bed.ids.alice]);

    // The conversation goes on in the new channel.
    bed.openai.scriptChat({ transcript: 'Still here.', audio: speechLike(300, OPENAI_PCM_RATE, 82), speed: 4 });
    const capture = bed.discord.capture(bed.ids.guild);
    capture.reset();
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(700, DISCORD_PCM_RATE, 83, 2));
    await expect.poll(() => capture.packets.filter((p) => !p.silence).length, { timeout: 15_000 }).toBeGreaterThan(10);
  });
});
