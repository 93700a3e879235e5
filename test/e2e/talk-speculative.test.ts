import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const chatRequests = (bed: TestBed) => bed.openai.requests.filter((r) => r.path === '/v1/chat/completions');
const turns = async (bed: TestBed, kind: 'user' | 'assistant') => (await bed.bot.ctx.store.history(bed.ids.voice)).filter((t) => t.kind === kind);

describe('/talk speculative answers (PARLEY_EARLY_START_MS)', () => {
  let bed: TestBed;

  beforeAll(async () => {
    bed = await startTestBed({ PARLEY_EARLY_START_MS: '150' });
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    const start = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'talk', subcommand: 'start' });
    await start.waitFor((r) => r.kind === 'edit');
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('starts before the silence window, holds the answer, and plays it once the turn is confirmed', async () => {
    bed.openai.scriptChat({ transcript: 'Held, then played.', audio: speechLike(400, OPENAI_PCM_RATE, 71), speed: 4 });
    const capture = bed.discord.capture(bed.ids.guild);
    capture.reset();
    const before = chatRequests(bed).length;
    const spoken = await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(800, DISCORD_PCM_RATE, 72, 2));
    await expect.poll(async () => (await turns(bed, 'assistant')).length, { timeout: 15_000 }).toBe(1);
    const request = chatRequests(bed)[before]!;
    const firstPacket = capture.packets.find((p) => !p.silence)!;
    console.log(`speculative: request ${Math.round(request.at - spoken.lastSpeechPacketAt)} ms, first audible ${Math.round(firstPacket.at - spoken.lastSpeechPacketAt)} ms after the last speech packet (window 600 ms)`);
    // The request went out before the silence window; nothing played before it ended (loose bounds).
    expect(request.at - spoken.lastSpeechPacketAt).toBeLessThan(550);
    expect(firstPacket.at - spoken.lastSpeechPacketAt).toBeGreaterThan(450);
    expect(chatRequests(bed)).toHaveLength(before + 1);
    expect(await bed.bot.ctx.store.speculativeStarts(bed.ids.guild, 0)).toEqual({ started: 1, wasted: 0 });
  });

  it('withdraws the answer when the member goes on after a pause: nothing played or stored, one turn', async () => {
    await bed.discord.capture(bed.ids.guild).waitForQuiet(150, 10_000);
    // The withdrawn request's answer comes fast, so its audio has arrived before it is withdrawn.
    bed.openai.scriptChat({ transcript: 'Too early.', audio: speechLike(400, OPENAI_PCM_RATE, 73), speed: 8 }, { transcript: 'The whole sentence.', audio: speechLike(400, OPENAI_PCM_RATE, 74), speed: 4 });
    const capture = bed.discord.capture(bed.ids.guild);
    capture.reset();
    const before = chatRequests(bed).length;
    const usersBefore = (await turns(bed, 'user')).length;
    const first = speechLike(700, DISCORD_PCM_RATE, 75, 2);
    const second = speechLike(700, DISCORD_PCM_RATE, 76, 2);
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, first, { trailingSilenceFrames: 0 });
    await expect.poll(() => chatRequests(bed).length, { timeout: 5_000 }).toBe(before + 1); // the speculative start
    const resumedAt = performance.now();
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, second);
    await expect.poll(async () => (await turns(bed, 'assistant')).length, { timeout: 15_000 }).toBe(2);
    await capture.waitForQuiet(150, 10_000);
    // Only the second answer played: no answer packet before the member resumed.
    expect(capture.packets.filter((p) => !p.silence && p.at < resumedAt + 300)).toHaveLength(0);
    expect((await turns(bed, 'assistant')).at(-1)).toMatchObject({ transcript: 'The whole sentence.' });
    const users = await turns(bed, 'user');
    expect(users).toHaveLength(usersBefore + 1);
    // One turn with both parts (1.4 s of speech plus the pause).
    const last = users.at(-1)!;
    const audio = last.kind === 'user' ? last.audio : undefined;
    expect(audio?.durationMs).toBeGreaterThan(1_400);
    const counts = await bed.bot.ctx.store.speculativeStarts(bed.ids.guild, 0);
    expect(counts.wasted).toBeGreaterThanOrEqual(1);
    expect(await bed.bot.ctx.metrics.render()).toMatch(/parley_speculative_requests_total\{outcome="wasted"\} [1-9]/);
  });

  it('reports the starts in /usage', async () => {
    const usage = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'usage' });
    expect((await usage.waitFor((r) => r.kind === 'edit')).body.content).toMatch(/Speculative answer starts this month: \d+, [1-9]\d* wasted/);
  });
});
