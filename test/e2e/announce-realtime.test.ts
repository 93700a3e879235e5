/**
 * /announce through the Realtime backend when readings go wrong, end to end: a reworded reading is
 * stopped before it is heard, retried, then handed to the next backend, and recorded in the
 * announcement's audit row; `error` events, rate limits, a socket closed mid-response and a stall end
 * the announcement cleanly with a clear reply, what was heard recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetGoneModels } from '../../src/ai/dead-models.ts';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { Downsampler48kStereoTo24kMono } from '../../src/audio/resample.ts';
import type { FakeInteraction, SlashOptionValue } from '../harness/discord/index.ts';
import type { RealtimeFault } from '../harness/openai/index.ts';
import { normalizedCrossCorrelation } from '../support/compare.ts';
import { concat, speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const RATE_24K = OPENAI_PCM_RATE;
const TEXT = 'Welcome everyone, the community meeting starts in the lounge in five minutes.';
const REWORDED = 'Hello folks, our weekly gathering is about to begin downstairs very soon.';

describe('/announce through Realtime: verbatim check and failures', () => {
  let bed: TestBed;
  const announce = (options: Record<string, SlashOptionValue>) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name: 'announce', options: { channel: { channelId: bed.ids.voice }, ...options } });
  const finalReply = async (interaction: FakeInteraction): Promise<string> => {
    const reply = await interaction.waitFor((r) => typeof r.body?.content === 'string' && !/^(⏳|📢 Announcing)/.test(r.body.content), 20_000);
    return reply.body.content as string;
  };
  const heard = () => {
    const downsampler = new Downsampler48kStereoTo24kMono();
    const packets = bed.discord.capture(bed.ids.guild).packets.filter((p) => !p.silence);
    return concat(...packets.map((p) => downsampler.push(p.pcm)), downsampler.flush());
  };
  const lastStored = async () => (await bed.bot.ctx.store.announcements(bed.ids.guild)).at(-1)!;

  beforeAll(async () => {
    resetGoneModels();
    // Loose enough for a busy machine's first TLS handshake and schema compilation in the fake.
    bed = await startTestBed({ PARLEY_STREAM_STALL_MS: '2500' });
    bed.openai.warmRealtime();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('stops a reworded reading before it is heard, retries, plays the faithful one and records the deviation', async () => {
    const strayed = speechLike(1_000, RATE_24K, 71);
    const faithful = speechLike(1_000, RATE_24K, 72);
    bed.openai.scriptRealtime({ audio: strayed, transcript: REWORDED, speed: 2 }, { audio: faithful, speed: 2 });
    const sessionsBefore = bed.openai.realtimeSessions.length;
    const callsBefore = (await bed.bot.ctx.store.usageSummary(bed.ids.guild, 0)).turns;
    expect(await finalReply(announce({ text: TEXT }))).toMatch(/Announced in/);
    await bed.discord.waitForBotVoice(bed.ids.guild, null);

    expect(bed.openai.realtimeSessions.length - sessionsBefore).toBe(2);
    // The stray was cancelled, and what it cost (its response.done) was billed too.
    const strayedSession = bed.openai.realtimeSessions[sessionsBefore]!;
    expect(strayedSession.clientEvents.map((e) => e.type)).toContain('response.cancel');
    expect(strayedSession.serverEvents.some((e) => e.type === 'response.done' && (e.response as { status: string }).status === 'cancelled')).toBe(true);
    expect((await bed.bot.ctx.store.usageSummary(bed.ids.guild, 0)).turns - callsBefore).toBe(2);
    const audio = heard();
    const withFaithful = normalizedCrossCorrelation(faithful, audio, 4_800).peak;
    const withStrayed = normalizedCrossCorrelation(strayed, audio, 4_800).peak;
    console.log(`reworded reading: correlation with the retry ${withFaithful.toFixed(3)}, with the reworded one ${withStrayed.toFixed(3)}`);
    expect(withFaithful).toBeGreaterThanOrEqual(0.9);
    expect(withStrayed).toBeLessThan(0.5);
    const stored = await lastStored();
    expect(stored.backend).toBe('realtime:gpt-realtime-2.1-mini');
    expect(stored.deviations).toEqual([expect.objectContaining({ backend: 'realtime:gpt-realtime-2.1-mini', attempt: 1, action: 'retried', heard: expect.stringMatching(/^Hello folks/) })]);
    expect(bed.logs.some((l) => l.includes('strayed from the text'))).toBe(true);
  });

  it('hands a text the Realtime model rewords twice to the chat model, which reads it', async () => {
    const chatAudio = speechLike(1_000, RATE_24K, 73);
    bed.openai.scriptRealtime({ transcript: REWORDED, speed: 2 }, { transcript: REWORDED, speed: 2 });
    bed.openai.scriptChat({ transcript: TEXT, audio: chatAudio, speed: 2 });
    expect(await finalReply(announce({ text: TEXT }))).toMatch(/Announced in/);
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    expect(normalizedCrossCorrelation(chatAudio, heard(), 4_800).peak).toBeGreaterThanOrEqual(0.9);
    const stored = await lastStored();
    expect(stored.backend).toBe('chat:gpt-audio-1.5');
    expect((stored.deviations as { action: string }[]).map((d) => d.action)).toEqual(['retried', 'next backend']);
  });

  const failing = async (fault: RealtimeFault) => {
    bed.openai.scriptRealtime({ audio: speechLike(1_500, RATE_24K, 74), fault, speed: 2 });
    const before = (await bed.bot.ctx.store.announcements(bed.ids.guild)).length;
    const reply = await finalReply(announce({ text: TEXT }));
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    const stored = await bed.bot.ctx.store.announcements(bed.ids.guild);
    console.log(`realtime ${fault.kind}: "${reply.split('\n')[0]}"`);
    return { reply, recorded: stored.length > before ? stored.at(-1) : undefined };
  };

  it('an error event before any audio: a clear reply, nothing played, nothing recorded', async () => {
    const { reply, recorded } = await failing({ kind: 'error', afterChunks: 0 });
    expect(reply).toMatch(/OpenAI could not read that announcement/);
    expect(recorded).toBeUndefined();
  });

  it('a rate limit: says when to try again', async () => {
    const { reply, recorded } = await failing({ kind: 'rate_limit', resetSeconds: 7 });
    expect(reply).toMatch(/rate-limited by OpenAI\. Please try the announcement again in 7 seconds/);
    expect(recorded).toBeUndefined();
  });

  for (const fault of [
    { kind: 'error', afterChunks: 5 },
    { kind: 'close', afterChunks: 5 },
    { kind: 'stall', afterChunks: 5 },
  ] as RealtimeFault[]) {
    it(`${fault.kind} mid-response: plays what arrived, says it was cut, records what was heard`, async () => {
      const { reply, recorded } = await failing(fault);
      expect(reply).toMatch(/was cut off after \d\.\d s/);
      expect(recorded?.playedMs).toBeGreaterThan(300);
      expect(recorded?.playedMs).toBeLessThan(1_400);
      expect(recorded?.cutReason).toMatch(/error|closed|stalled|broke/);
      expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
    });
  }

  it('moves to the chat model when the Realtime model is gone, and logs why once, naming the setting', async () => {
    bed.openai.realtimeModels.delete('gpt-realtime-2.1-mini');
    bed.openai.scriptChat({ transcript: TEXT, audio: speechLike(500, RATE_24K, 75), speed: 2 }, { transcript: TEXT, audio: speechLike(500, RATE_24K, 76), speed: 2 });
    const sessionsBefore = bed.openai.realtimeSessions.length;
    expect(await finalReply(announce({ text: TEXT }))).toMatch(/Announced in/);
    expect(await finalReply(announce({ text: TEXT }))).toMatch(/Announced in/);
    expect(bed.openai.realtimeSessions.length - sessionsBefore).toBe(1);
    expect((await lastStored()).backend).toBe('chat:gpt-audio-1.5');
    const notes = bed.logs.filter((l) => l.includes('PARLEY_REALTIME_MODEL=gpt-realtime-2.1-mini does not exist'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/announcements use chat \(gpt-audio-1.5\) instead/);
    bed.openai.realtimeModels.add('gpt-realtime-2.1-mini');
    resetGoneModels();
  });

  it('sent only schema-valid client events, and the fake only valid server events', () => {
    expect(bed.openai.realtimeSessions.flatMap((s) => s.clientSchemaErrors)).toEqual([]);
    expect(bed.openai.realtimeSessions.flatMap((s) => s.serverSchemaErrors)).toEqual([]);
  });
});
