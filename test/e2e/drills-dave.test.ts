/**
 * Drills under DAVE (Discord's voice end-to-end encryption), against the fake voice gateway acting as
 * the MLS external sender and fake members that are real davey sessions. Each prints its figure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import type { InteractionRecord } from '../harness/discord/index.ts';
import { compareHeard } from '../support/audio-checks.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';
import { finalReply } from '../support/final-reply.ts';

const LATE_HANDSHAKE_MS = 500;

describe('drills: DAVE end-to-end encryption', () => {
  let bed: TestBed;
  const ask = (prompt: string, userId = bed.ids.alice) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId, name: 'ask', options: { prompt } });
  const final = (interaction: InteractionRecord, timeoutMs = 25_000): Promise<string> => finalReply(interaction, timeoutMs);

  beforeAll(async () => {
    bed = await startTestBed();
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
  });
  afterAll(async () => {
    bed.discord.setDave({ handshakeDelayMs: 0, executeDelayMs: 0 });
    await bed?.close();
  });

  it(`the handshake ${LATE_HANDSHAKE_MS} ms late when /ask joins: the answer is heard whole from its first frame`, async () => {
    bed.discord.setDave({ handshakeDelayMs: LATE_HANDSHAKE_MS });
    const audio = speechLike(1_500, OPENAI_PCM_RATE, 21);
    bed.openai.scriptChat({ transcript: 'Every word of this is encrypted.', audio, chunkMs: 100, speed: 4 });
    const interaction = ask('Say something private.');
    expect(await final(interaction)).toContain('Every word of this is encrypted.');
    const capture = bed.discord.capture(bed.ids.guild);
    await capture.waitForQuiet(300, 10_000);
    const match = compareHeard(audio, capture.pcm());
    const dave = bed.discord.dave(bed.ids.guild)!;
    console.log(
      `DAVE handshake ${LATE_HANDSHAKE_MS} ms late: correlation ${match.correlation.toFixed(3)}, heard ${match.durationMs} ms of ${match.expectedMs} ms, ` +
        `${capture.lost.length} frames lost (plain or undecryptable), epoch ${dave.epoch}`,
    );
    expect(capture.lost).toEqual([]);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(match.durationMs - match.expectedMs)).toBeLessThanOrEqual(60);
    bed.discord.setDave({ handshakeDelayMs: 0 });
  });

  it('a member joins and another leaves while an answer plays: what a member hears stays whole', async () => {
    const { discord, ids } = bed;
    discord.setVoiceState(ids.guild, ids.mod, ids.voice);
    await expect.poll(() => discord.dave(ids.guild)?.stats.transitions ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => discord.dave(ids.guild)!.stats.heardByMember[ids.mod] === undefined && discord.dave(ids.guild)!.stats.commits >= 2, { timeout: 10_000 });
    const audio = speechLike(3_000, OPENAI_PCM_RATE, 23);
    bed.openai.scriptChat({ transcript: 'Members come and go while this plays.', audio, chunkMs: 100, speed: 4 });
    const capture = discord.capture(ids.guild);
    capture.reset();
    const epochBefore = discord.dave(ids.guild)!.epoch;
    const interaction = ask('Talk while people move.');
    await capture.waitForPackets(40, 20_000);
    const executedBefore = discord.dave(ids.guild)!.stats.executedAt.length;
    discord.setVoiceState(ids.guild, ids.bob, ids.voice);
    await capture.waitForPackets(80, 10_000);
    discord.setVoiceState(ids.guild, ids.mod, null);
    expect(await final(interaction)).toContain('Members come and go');
    await capture.waitForQuiet(300, 10_000);
    const dave = discord.dave(ids.guild)!;
    const match = compareHeard(audio, capture.pcm());
    const transitions = dave.stats.executedAt.length - executedBefore;
    const lostAlice = (dave.stats.lostByMember[ids.alice] ?? 0) * 20;
    const lostBob = (dave.stats.lostByMember[ids.bob] ?? 0) * 20;
    console.log(
      `DAVE epochs ${epochBefore} -> ${dave.epoch} during an answer (${transitions} transitions): Alice heard correlation ${match.correlation.toFixed(3)}, ` +
        `${match.durationMs} of ${match.expectedMs} ms; lost per transition: Alice ${lostAlice / Math.max(1, transitions)} ms, Bob (joined) ${lostBob} ms in all`,
    );
    expect(dave.epoch).toBeGreaterThanOrEqual(epochBefore + 2n);
    expect(capture.lost).toEqual([]);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(match.durationMs - match.expectedMs)).toBeLessThanOrEqual(60);
    discord.setVoiceState(ids.guild, ids.bob, null);
  });

  it('a voice resume in the middle of the handshake: the answer is still heard whole', async () => {
    const { discord, ids } = bed;
    bed.bot.ctx.voice.leave(ids.guild);
    await discord.waitForBotVoice(ids.guild, null);
    discord.setDave({ executeDelayMs: 400 });
    const audio = speechLike(1_500, OPENAI_PCM_RATE, 24);
    bed.openai.scriptChat({ transcript: 'Resumed and still private.', audio, chunkMs: 100, speed: 4 });
    const resumesBefore = discord.voiceGatewayStats.resumes;
    const interaction = ask('Say it through a resume.');
    // Commit announced, transition not executed yet: drop the voice websocket (4015 = resume).
    await expect.poll(() => (discord.dave(ids.guild)?.stats.commits ?? 0) > 0, { timeout: 10_000, interval: 1 }).toBe(true);
    const droppedAt = performance.now();
    await discord.closeVoice(ids.guild, 4015);
    await expect.poll(() => discord.voiceGatewayStats.resumes, { timeout: 10_000, interval: 5 }).toBeGreaterThan(resumesBefore);
    await expect.poll(() => discord.dave(ids.guild)!.stats.transitions, { timeout: 10_000, interval: 5 }).toBeGreaterThan(0);
    const transitionedMs = Math.round(performance.now() - droppedAt);
    expect(await final(interaction)).toContain('Resumed and still private.');
    const capture = discord.capture(ids.guild);
    await capture.waitForQuiet(300, 10_000);
    const match = compareHeard(audio, capture.pcm());
    console.log(
      `DAVE resume mid-handshake: transition executed ${transitionedMs} ms after the drop; correlation ${match.correlation.toFixed(3)}, ` +
        `heard ${match.durationMs} of ${match.expectedMs} ms, ${capture.lost.length} frames lost`,
    );
    discord.setDave({ executeDelayMs: 0 });
    expect(capture.lost).toEqual([]);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(match.durationMs - match.expectedMs)).toBeLessThanOrEqual(60);
  });

  it('/join shows the voice privacy code that members see', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, bed.ids.voice2);
    const join = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.bob, name: 'join', options: {} });
    const reply = await final(join);
    const memberCode = bed.discord.dave(bed.ids.guild)?.privacyCode;
    console.log(`/join reply: ${reply}`);
    expect(memberCode).toMatch(/^\d{30}$/);
    expect(reply.replace(/ /g, '')).toContain(memberCode);
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, null);
  });

  it('an answer fails with a clear reply, and nothing is stored as heard, when encryption never gets ready', async () => {
    const session = bed.bot.ctx.voice.get(bed.ids.guild);
    session?.destroy();
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    bed.discord.setDave({ handshakeDelayMs: 60_000 });
    const before = (await bed.bot.ctx.store.history(bed.ids.text)).length;
    bed.openai.scriptChat({ transcript: 'Nobody should hear this.', audio: speechLike(1_000, OPENAI_PCM_RATE, 22), speed: 4 });
    const startedAt = performance.now();
    const reply = await final(ask('Anyone there?'), 20_000);
    console.log(`DAVE never ready: answer failed after ${Math.round(performance.now() - startedAt)} ms: ${reply}`);
    expect(reply).toMatch(/end-to-end encryption/);
    expect(bed.discord.capture(bed.ids.guild).packets.filter((p) => !p.silence)).toEqual([]);
    expect((await bed.bot.ctx.store.history(bed.ids.text)).length).toBe(before);
    bed.discord.setDave({ handshakeDelayMs: 0 });
    bed.bot.ctx.voice.get(bed.ids.guild)?.destroy();
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
  });
});
