/**
 * /announce end to end on the loopback test bed (real discord.js, @discordjs/voice, openai SDK):
 * the speech endpoint and the chat audio model as backends, long texts in parts, placement in voice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { Downsampler48kStereoTo24kMono } from '../../src/audio/resample.ts';
import { resetMissingSpeechModels } from '../../src/announce/voicing.ts';
import { Permission, type CapturedPacket, type FakeInteraction, type SlashOptionValue } from '../harness/discord/index.ts';
import type { RecordedRequest } from '../harness/openai/index.ts';
import { activeDurationMs, normalizedCrossCorrelation } from '../support/compare.ts';
import { concat, speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const RATE_24K = OPENAI_PCM_RATE;

/** A reply that is not a progress note (waiting, now playing). */
function isFinal(content: unknown): boolean {
  return typeof content === 'string' && !/^(⏳|📢 Announcing)/.test(content);
}

/** The bot's audio as the fake voice server decoded it, silence frames left out, as 24 kHz mono. */
function heard24k(packets: readonly CapturedPacket[]): Int16Array {
  const downsampler = new Downsampler48kStereoTo24kMono();
  const pieces = packets.filter((p) => !p.silence).map((p) => downsampler.push(p.pcm));
  return concat(...pieces, downsampler.flush());
}

function compareHeard(reference: Int16Array, heard: Int16Array) {
  const { peak } = normalizedCrossCorrelation(reference, heard, 4_800);
  return { correlation: peak, durationMs: activeDurationMs(heard, RATE_24K, 1), expectedMs: activeDurationMs(reference, RATE_24K, 1) };
}

/** Packets sent between the first and the last non-silence packet (inclusive). */
function spokenSpan(packets: readonly CapturedPacket[]): CapturedPacket[] {
  const first = packets.findIndex((p) => !p.silence);
  const last = packets.findLastIndex((p) => !p.silence);
  return first < 0 ? [] : packets.slice(first, last + 1);
}

/** A text of `length` characters made of numbered sentences. */
function longText(length: number): string {
  let text = '';
  for (let n = 1; text.length < length; n++) text += `Sentence number ${n} of the long announcement is right here. `;
  return text.slice(0, length).replace(/\s*\S*$/, '') + ' The end.';
}

/** Runs the same end-to-end checks against whichever backend the bed is configured for. */
function sharedChecks(backend: 'speech' | 'chat') {
  let bed: TestBed;
  const path = backend === 'speech' ? '/v1/audio/speech' : '/v1/chat/completions';
  const voiceRequests = () => bed.openai.requests.filter((r) => r.path === path);
  const script = (...audio: { pcm: Int16Array; firstChunkDelayMs?: number }[]) => {
    for (const { pcm, firstChunkDelayMs } of audio) {
      const pacing = { audio: pcm, chunkMs: 100, speed: 2, firstChunkDelayMs };
      if (backend === 'speech') bed.openai.scriptSpeech(pacing);
      else bed.openai.scriptChat({ ...pacing, transcript: 'Read aloud.' });
    }
  };
  const announce = (userId: string, options: Record<string, SlashOptionValue>) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId, name: 'announce', options });
  const finalReply = async (interaction: FakeInteraction) => {
    await interaction.waitFor((r) => isFinal(r.body?.content), 20_000);
    return interaction.lastContent() ?? '';
  };

  beforeAll(async () => {
    resetMissingSpeechModels();
    bed = await startTestBed({ PARLEY_SPEECH_BACKEND: backend });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('plays a moderator’s announcement intact from a schema-valid request, records it, and leaves again', async () => {
    const audio = speechLike(1_500, RATE_24K, 31);
    script({ pcm: audio });
    const text = 'Server maintenance starts in ten minutes.';
    const interaction = announce(bed.ids.mod, { text, channel: { channelId: bed.ids.voice }, voice: 'coral', style: 'Calm and clear.' });
    expect((await interaction.waitForReply()).ephemeral).toBe(true);
    expect(await finalReply(interaction)).toMatch(new RegExp(`Announced in <#${bed.ids.voice}>`));

    const [request] = voiceRequests();
    expect(request!.schemaErrors).toEqual([]);
    if (backend === 'speech') {
      expect(request!.body).toEqual({ model: 'gpt-4o-mini-tts', input: text, voice: 'coral', response_format: 'pcm', instructions: 'Calm and clear.' });
    } else {
      const body = request!.body as { model: string; audio: unknown; stream: boolean; messages: { role: string; content: string }[] };
      expect(body).toMatchObject({ model: 'gpt-audio', audio: { voice: 'coral', format: 'pcm16' }, stream: true });
      expect(body.messages).toHaveLength(2);
      expect(body.messages[0]).toMatchObject({ role: 'system' });
      expect(body.messages[0]!.content).toMatch(/exactly as written, word for word/);
      expect(body.messages[0]!.content).toContain('Delivery: Calm and clear.');
      expect(body.messages[1]).toEqual({ role: 'user', content: text });
    }

    const match = compareHeard(audio, heard24k(bed.discord.capture(bed.ids.guild).packets));
    console.log(`announce (${backend}): correlation ${match.correlation.toFixed(3)}, heard ${match.durationMs} ms of ${match.expectedMs} ms`);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(match.durationMs - match.expectedMs)).toBeLessThanOrEqual(60);

    const [stored] = (await bed.bot.ctx.store.announcements(bed.ids.guild)).slice(-1);
    expect(stored).toMatchObject({ channelId: bed.ids.voice, userId: bed.ids.mod, text, backend: backend === 'speech' ? 'speech:gpt-4o-mini-tts' : 'chat:gpt-audio' });
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
  });

  it('plays a 5,000-character announcement as two parts, complete, in order, without a gap between them', async () => {
    const partA = speechLike(1_200, RATE_24K, 41);
    const partB = speechLike(1_200, RATE_24K, 42);
    // Part 2 takes 300 ms to start: fetched while part 1 plays, that delay must not be heard.
    script({ pcm: partA }, { pcm: partB, firstChunkDelayMs: 300 });
    const before = voiceRequests().length;
    const text = longText(5_000);
    const interaction = announce(bed.ids.mod, { text, channel: { channelId: bed.ids.voice } });
    expect(await finalReply(interaction)).toMatch(/Announced in .*2 parts/);

    const requests = voiceRequests().slice(before);
    expect(requests).toHaveLength(2);
    expect(requests.map((r) => r.schemaErrors)).toEqual([[], []]);
    const inputs = requests.map((r) => inputOf(r, backend));
    expect(inputs.every((input) => input.length <= 4_096)).toBe(true);
    expect(inputs[0]).toMatch(/\.$/);
    expect(inputs.join(' ')).toBe(text);

    const packets = spokenSpan(bed.discord.capture(bed.ids.guild).packets);
    expect(packets.filter((p) => p.silence)).toEqual([]);
    const match = compareHeard(concat(partA, partB), heard24k(packets));
    // Part 1 is 60 packets of 20 ms: the boundary lies around packet 60.
    const gaps = packets.slice(1).map((p, i) => p.at - packets[i]!.at);
    const boundaryGap = Math.max(...gaps.slice(55, 65));
    console.log(
      `announce (${backend}): 2 parts, correlation ${match.correlation.toFixed(3)}, heard ${match.durationMs} ms of ${match.expectedMs} ms, ` +
        `gap between parts ${boundaryGap.toFixed(1)} ms (largest anywhere ${Math.max(...gaps).toFixed(1)} ms), part 2 requested ${Math.round(packets[60]!.at - requests[1]!.at)} ms before it played`,
    );
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(match.durationMs - match.expectedMs)).toBeLessThanOrEqual(60);
    expect(boundaryGap).toBeLessThanOrEqual(60);
    expect(requests[1]!.at).toBeLessThan(packets[60]!.at);
  });

  return () => bed;
}

function inputOf(request: RecordedRequest, backend: 'speech' | 'chat'): string {
  const body = request.body as { input?: string; messages?: { content: string }[] };
  return backend === 'speech' ? body.input! : body.messages!.at(-1)!.content;
}

describe('/announce with the speech endpoint', () => {
  const bed = sharedChecks('speech');

  it('registers /announce for moderators (Mute Members) with Discord-side bounds on speed', () => {
    const command = bed().discord.registeredCommands().find((c: { name: string }) => c.name === 'announce');
    // Discord ANDs these bits; the run-time check accepts Manage Server or Mute Members.
    expect(command.default_member_permissions).toBe(String(Permission.MuteMembers));
    const option = (name: string) => command.options.find((o: { name: string }) => o.name === name);
    expect(option('speed')).toMatchObject({ min_value: 0.25, max_value: 4 });
    expect(option('channel').channel_types).toEqual([2, 13]);
    expect(option('text')).toMatchObject({ required: true });
    expect(option('text').description).toMatch(/20,000/);
  });
});

describe('/announce with the chat audio model reading verbatim', () => {
  sharedChecks('chat');
});
