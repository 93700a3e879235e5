/**
 * Failure drills on the network paths: the main gateway dropped (resumed, or cut without a close
 * frame), and OpenAI answering nothing but 429s, then 5xx, then recovering. Each prints its figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceConnectionStatus } from '@discordjs/voice';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import type { InteractionRecord } from '../harness/discord/index.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const STORM_MEMBERS = 20;
/** Members of the storm who are in voice (their answers would be spoken; one turn queue, 1 + 4). */
const STORM_IN_VOICE = 5;

describe('drills: gateway drops and OpenAI storms', () => {
  let bed: TestBed;
  const final = async (interaction: InteractionRecord, timeoutMs = 20_000): Promise<string> => {
    await interaction.waitFor((r) => (r.kind === 'callback' && r.type === 4) || (r.kind === 'edit' && !String(r.body?.content).endsWith(' …')), timeoutMs);
    return interaction.lastContent() ?? '';
  };

  beforeAll(async () => {
    bed = await startTestBed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  // A resumed session gets what was dispatched meanwhile; after 1000 the bot starts a new session instead.
  for (const [code, how, replays] of [
    [4000, 'closed with 4000 (resumable)', true],
    [1006, 'cut without a close frame', true],
    [1000, 'closed with 1000 (new session)', false],
  ] as const) {
    it(`answers the next slash command after the gateway was ${how}${replays ? ', and one sent during the outage' : ''}`, async () => {
      const { discord, ids } = bed;
      const before = discord.gatewayStats;
      const dropped = performance.now();
      discord.dropGateway(code);
      // Sent while the socket is down: Discord replays it on RESUME, the ack deadline still runs.
      const during = replays ? discord.sendSlashCommand({ guildId: ids.guild, channelId: ids.text, userId: ids.alice, name: 'leave' }) : undefined;
      await expect.poll(() => discord.gatewayStats.resumes + discord.gatewayStats.identifies, { timeout: 20_000, interval: 10 }).toBeGreaterThan(before.resumes + before.identifies);
      await discord.waitForBotReady();
      const recoveredMs = performance.now() - dropped;
      const duringReply = during ? await during.waitForReply(10_000).then((r) => r.body.content as string, () => '(no answer)') : '(none sent)';
      const after = await discord.sendSlashCommand({ guildId: ids.guild, channelId: ids.text, userId: ids.alice, name: 'leave' }).waitForReply();
      const stats = discord.gatewayStats;
      console.log(
        `gateway ${how}: back after ${Math.round(recoveredMs)} ms (${stats.resumes - before.resumes} resume, ${stats.identifies - before.identifies} identify); ` +
          `command sent during the outage: ${JSON.stringify(duringReply)}`,
      );
      expect(after.body.content).toMatch(/not in a voice channel/);
      if (replays) expect(duringReply).toMatch(/not in a voice channel/);
    }, 60_000);
  }

  it('answers a storm of 429s quickly with the rate-limit message, leaves nothing stuck, and works once it ends', async () => {
    const { discord, ids, guild, openai } = bed;
    const members = Array.from({ length: STORM_MEMBERS }, (_, i) => guild.addMember({ username: `storm${i}`, displayName: `Storm ${i}` }).id);
    // Each member asks in a channel of their own (those in voice share the voice channel's conversation).
    const channels = members.map((_, i) => guild.addChannel({ name: `storm-${i}`, type: 'text' }).id);
    members.slice(0, STORM_IN_VOICE).forEach((id) => discord.setVoiceState(ids.guild, id, ids.voice));
    const requestsBefore = openai.requests.length;
    // Every attempt (the first and the SDK's two retries) of every question is refused.
    openai.scriptChat({ fault: { kind: 'status', status: 429, times: STORM_MEMBERS * 3, code: 'rate_limit_exceeded', headers: { 'retry-after-ms': '50' } } });
    const started = performance.now();
    const asks = members.map((userId, i) =>
      discord.sendSlashCommand({ guildId: ids.guild, channelId: channels[i]!, userId, name: 'ask', options: { prompt: `Question ${i} in the storm` } }),
    );
    const replies = await Promise.all(asks.map(async (ask) => ({ text: await final(ask), ms: performance.now() - started })));
    const slowest = Math.max(...replies.map((r) => r.ms));
    console.log(
      `429 storm: ${STORM_MEMBERS} questions answered within ${Math.round(slowest)} ms ` +
        `(${openai.requests.length - requestsBefore} OpenAI requests); replies: ${[...new Set(replies.map((r) => r.text))].join(' | ')}`,
    );
    for (const reply of replies) expect(reply.text).toMatch(/rate-limited by OpenAI/);
    expect(slowest).toBeLessThan(15_000);
    await expectNothingStuck();

    const recovered = performance.now();
    openai.scriptChat({ transcript: 'The storm is over.', audio: speechLike(300, OPENAI_PCM_RATE, 71), speed: 4 });
    const after = await final(discord.sendSlashCommand({ guildId: ids.guild, channelId: channels[0]!, userId: members[0]!, name: 'ask', options: { prompt: 'Better now?' } }));
    console.log(`429 storm: the next /ask answered in ${Math.round(performance.now() - recovered)} ms`);
    expect(after).toContain('The storm is over.');
  }, 90_000);

  it('answers 5xx failures (after the retries) with a clear message and works once they end', async () => {
    const { discord, ids, openai } = bed;
    const ask = (prompt: string) => discord.sendSlashCommand({ guildId: ids.guild, channelId: ids.text, userId: ids.bob, name: 'ask', options: { prompt } });
    const timings: number[] = [];
    for (const status of [500, 502, 503]) {
      openai.scriptChat({ fault: { kind: 'status', status, times: 3, headers: { 'retry-after-ms': '20' } } });
      const started = performance.now();
      expect(await final(ask(`Status ${status}?`))).toMatch(/OpenAI is having trouble/);
      timings.push(performance.now() - started);
    }
    openai.scriptChat({ transcript: 'Back again.', textOnly: true });
    const recovered = performance.now();
    expect(await final(ask('Are you back?'))).toContain('Back again.');
    console.log(`5xx: each failure answered in ${timings.map((ms) => Math.round(ms)).join(', ')} ms; the next /ask in ${Math.round(performance.now() - recovered)} ms`);
    await expectNothingStuck();
  }, 60_000);

  /** Every voice session Ready (or gone) and no turn waiting. */
  async function expectNothingStuck(): Promise<void> {
    const session = () => bed.bot.ctx.voice.get(bed.ids.guild);
    await expect.poll(() => session() === undefined || session()!.connection.state.status === VoiceConnectionStatus.Ready, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => bed.bot.ctx.turns.busy, { timeout: 10_000 }).toBe(false);
    expect(bed.discord.unknownRoutes).toEqual([]);
  }
});
