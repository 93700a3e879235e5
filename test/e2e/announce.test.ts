/**
 * /announce end to end on the loopback test bed (real discord.js, @discordjs/voice, openai SDK):
 * the Realtime backend (the default configuration), the speech endpoint and the chat audio model,
 * long texts in parts, placement in voice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { Downsampler48kStereoTo24kMono } from '../../src/audio/resample.ts';
import { resetGoneModels } from '../../src/ai/dead-models.ts';
import { Permission, type CapturedPacket, type FakeInteraction, type SlashOptionValue } from '../harness/discord/index.ts';
import { splitText } from '../../src/announce/split-text.ts';
import { SPEECH_INPUT_MAX_CHARS } from '../../src/ai/speech.ts';
import type { RecordedRealtimeSession, RecordedRequest } from '../harness/openai/index.ts';
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

type Backend = 'realtime' | 'speech' | 'chat';

/** What the checks need of one voicing request, whichever backend served it. */
interface VoiceRequest {
  at: number;
  schemaErrors: string[];
  /** The text it was asked to read. */
  input: string;
  body: unknown;
}

function fromRealtime(session: RecordedRealtimeSession): VoiceRequest {
  const item = session.clientEvents.find((e) => e.type === 'conversation.item.create') as { item: { content: { text: string }[] } } | undefined;
  return { at: session.at, schemaErrors: [...session.clientSchemaErrors, ...session.serverSchemaErrors], input: item?.item.content[0]?.text ?? '', body: session.clientEvents };
}

/** Runs the same end-to-end checks against whichever backend the bed is configured for. */
function sharedChecks(backend: Backend) {
  let bed: TestBed;
  const path = backend === 'speech' ? '/v1/audio/speech' : '/v1/chat/completions';
  const voiceRequests = (): VoiceRequest[] =>
    backend === 'realtime'
      ? bed.openai.realtimeSessions.map(fromRealtime)
      : bed.openai.requests.filter((r) => r.path === path).map((r) => ({ at: r.at, schemaErrors: r.schemaErrors, input: inputOf(r, backend), body: r.body }));
  /** The chat model's transcript must match the text it reads (the verbatim check). */
  const script = (texts: string[], ...audio: { pcm: Int16Array; firstChunkDelayMs?: number }[]) => {
    audio.forEach(({ pcm, firstChunkDelayMs }, i) => {
      const pacing = { audio: pcm, chunkMs: 100, speed: 2, firstChunkDelayMs };
      if (backend === 'speech') bed.openai.scriptSpeech(pacing);
      else if (backend === 'realtime') bed.openai.scriptRealtime(pacing);
      else bed.openai.scriptChat({ ...pacing, transcript: texts[i] });
    });
  };
  const announce = (userId: string, options: Record<string, SlashOptionValue>) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId, name: 'announce', options });
  const finalReply = async (interaction: FakeInteraction) => {
    await interaction.waitFor((r) => isFinal(r.body?.content), 20_000);
    return interaction.lastContent() ?? '';
  };

  beforeAll(async () => {
    resetGoneModels();
    // The Realtime backend is the default: its bed sets nothing.
    bed = await startTestBed(backend === 'realtime' ? {} : { PARLEY_SPEECH_BACKEND: backend });
    bed.openai.warmRealtime();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('plays a moderator’s announcement intact from a schema-valid request, records it, and leaves again', async () => {
    const audio = speechLike(1_500, RATE_24K, 31);
    const text = 'Server maintenance starts in ten minutes.';
    script([text], { pcm: audio });
    const interaction = announce(bed.ids.mod, { text, channel: { channelId: bed.ids.voice }, voice: 'coral', style: 'Calm and clear.' });
    expect((await interaction.waitForReply()).ephemeral).toBe(true);
    expect(await finalReply(interaction)).toMatch(new RegExp(`Announced in <#${bed.ids.voice}>`));

    const [request] = voiceRequests();
    expect(request!.schemaErrors).toEqual([]);
    expect(request!.input).toBe(text);
    if (backend === 'speech') {
      expect(request!.body).toEqual({ model: 'gpt-4o-mini-tts', input: text, voice: 'coral', response_format: 'pcm', instructions: 'Calm and clear.' });
    } else if (backend === 'realtime') {
      const [update, , create] = request!.body as { type: string; session?: { instructions: string; audio: { output: unknown } } }[];
      expect(bed.openai.realtimeSessions[0]!.model).toBe('gpt-realtime-2.1-mini');
      expect(update!.session!.audio.output).toEqual({ format: { type: 'audio/pcm', rate: 24_000 }, voice: 'coral', speed: 1 });
      expect(update!.session!.instructions).toMatch(/exactly as written, word for word/);
      expect(update!.session!.instructions).toContain('Delivery: Calm and clear.');
      expect(create).toEqual({ type: 'response.create' });
    } else {
      const body = request!.body as { model: string; audio: unknown; stream: boolean; messages: { role: string; content: string }[] };
      expect(body).toMatchObject({ model: 'gpt-audio-1.5', audio: { voice: 'coral', format: 'pcm16' }, stream: true });
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
    const backends = { speech: 'speech:gpt-4o-mini-tts', chat: 'chat:gpt-audio-1.5', realtime: 'realtime:gpt-realtime-2.1-mini' };
    expect(stored).toMatchObject({ channelId: bed.ids.voice, userId: bed.ids.mod, text, backend: backends[backend] });
    expect(stored!.deviations).toBeUndefined();
    // Billed from the usage the backend reported (estimated for the speech endpoint), in /usage and the budget.
    const spent = await bed.bot.ctx.store.usageSummary(bed.ids.guild, 0);
    expect(spent.costUsd).toBeGreaterThan(0);
    const metric = /^parley_spend_usd_total (\S+)$/m.exec(await bed.bot.ctx.metrics.render())?.[1];
    expect(Number(metric)).toBeCloseTo(spent.costUsd, 9);
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
  });

  it('plays a 5,000-character announcement as two parts, complete, in order, without a gap between them', async () => {
    const partA = speechLike(1_200, RATE_24K, 41);
    const partB = speechLike(1_200, RATE_24K, 42);
    // Part 2 takes 300 ms to start: fetched while part 1 plays, that delay must not be heard.
    const text = longText(5_000);
    script(splitText(text, SPEECH_INPUT_MAX_CHARS), { pcm: partA }, { pcm: partB, firstChunkDelayMs: 300 });
    const before = voiceRequests().length;
    const interaction = announce(bed.ids.mod, { text, channel: { channelId: bed.ids.voice } });
    expect(await finalReply(interaction)).toMatch(/Announced in .*2 parts/);

    const requests = voiceRequests().slice(before);
    expect(requests).toHaveLength(2);
    expect(requests.map((r) => r.schemaErrors)).toEqual([[], []]);
    const inputs = requests.map((r) => r.input);
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

function inputOf(request: RecordedRequest, backend: Backend): string {
  const body = request.body as { input?: string; messages?: { content: string }[] };
  return backend === 'speech' ? body.input! : body.messages!.at(-1)!.content;
}

describe('/announce through a Realtime session (the default configuration)', () => {
  sharedChecks('realtime');
});

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
