/**
 * Spend counts answers that never finished: two answers stopped by barge-in, neither of which reached its
 * usage chunk, are billed by estimate, and together they exhaust the daily budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const LONG = 'This is a very long answer that goes on and on, and nobody wants to hear all of it today.';

describe('spend of answers stopped by barge-in', () => {
  let bed: TestBed;
  const chatRequests = () => bed.openai.requests.filter((r) => r.path === '/v1/chat/completions').length;
  const talk = (userId: string) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId, name: 'talk', subcommand: 'start' });
  const interrupted = async () => (await bed.bot.ctx.store.history(bed.ids.voice)).filter((t) => t.kind === 'assistant' && t.status === 'interrupted').length;

  beforeAll(async () => {
    // One stopped answer costs about $0.003 by estimate (mostly its audio received): two exceed $0.005.
    bed = await startTestBed({ PARLEY_DAILY_BUDGET_USD: '0.005' });
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, bed.ids.voice);
    await talk(bed.ids.alice).waitFor((r) => r.kind === 'edit');
    await talk(bed.ids.bob).waitFor((r) => r.kind === 'edit');
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('a budget exhausted by barge-ins alone refuses the next question', async () => {
    bed.openai.scriptChat(
      { transcript: LONG, audio: speechLike(6_000, OPENAI_PCM_RATE, 81), speed: 1 },
      { transcript: LONG, audio: speechLike(6_000, OPENAI_PCM_RATE, 82), speed: 1 },
    );
    const capture = bed.discord.capture(bed.ids.guild);
    capture.reset();
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(600, DISCORD_PCM_RATE, 83, 2));
    await capture.waitForPackets(60, 15_000);
    // Bob speaks over the first answer: it stops, and his question gets the second.
    await bed.discord.speak(bed.ids.guild, bed.ids.bob, speechLike(1_200, DISCORD_PCM_RATE, 84, 2));
    await expect.poll(interrupted, { timeout: 10_000 }).toBe(1);
    await expect.poll(chatRequests, { timeout: 10_000 }).toBe(2);
    capture.reset();
    await capture.waitForPackets(60, 15_000);
    const afterFirst = await bed.bot.ctx.costs.spentToday(bed.ids.guild);
    // Alice speaks over the second answer: it stops too, and the budget is gone.
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(1_200, DISCORD_PCM_RATE, 85, 2));
    await expect.poll(interrupted, { timeout: 10_000 }).toBe(2);
    await bed.discord.waitForChannelMessage(bed.ids.voice, (m) => String(m.body.content).includes('I stopped listening'), 15_000);

    const summary = await bed.bot.ctx.store.usageSummary(bed.ids.guild, 0);
    console.log(
      `barge-in spend: $${afterFirst.toFixed(5)} after the first stopped answer, $${summary.costUsd.toFixed(5)} after the second ` +
        `(${summary.estimatedCalls} of ${summary.turns} calls estimated; ${summary.tokens.audioOut} audio tokens out); budget $0.005`,
    );
    expect(summary).toMatchObject({ turns: 2, estimatedCalls: 2 });
    expect(afterFirst).toBeGreaterThan(0);
    expect(summary.costUsd).toBeGreaterThanOrEqual(0.005);
    expect(chatRequests()).toBe(2);

    const ask = await bed.discord
      .sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name: 'ask', options: { prompt: 'one more?' } })
      .waitForReply();
    expect(ask.body.content).toMatch(/used today's Parley budget/);
    expect(chatRequests()).toBe(2);
    const usage = await bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name: 'usage' }).waitFor((r) => r.kind === 'edit');
    expect(String(usage.body.content)).toMatch(/over 2 model calls \(2 estimated: cut before OpenAI reported usage\)/);
  });
});
