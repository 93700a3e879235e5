import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { resampleMono } from '../../src/audio/resample-any-rate.ts';
import { activeDurationMs, normalizedCrossCorrelation } from '../support/compare.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';
import { Permission } from '../harness/discord/index.ts';

/** Decodes Ogg Opus with an independent decoder (WebAssembly libopus with its own Ogg parser). */
async function decodeIndependently(ogg: Buffer): Promise<{ pcm24k: Int16Array; sampleRate: number }> {
  const decoder = new OggOpusDecoder();
  await decoder.ready;
  try {
    const { channelData, sampleRate } = await decoder.decodeFile(new Uint8Array(ogg));
    const mono = Int16Array.from(channelData[0]!, (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32_767));
    return { pcm24k: resampleMono(mono, sampleRate, OPENAI_PCM_RATE), sampleRate };
  } finally {
    decoder.free();
  }
}

describe('/ask when the member is not in voice: a voice message', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('posts a voice message that decodes, with an independent decoder, to the answer audio', async () => {
    const audio = speechLike(1_200, OPENAI_PCM_RATE, 21);
    bed.openai.scriptChat({ transcript: 'Here is your spoken answer.', audio, speed: 4 });
    const interaction = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.bob, name: 'ask', options: { prompt: 'Say something' } });
    const message = await bed.discord.waitForChannelMessage(bed.ids.text, undefined, 15_000);
    expect(message.body.flags & (1 << 13)).toBe(1 << 13);
    expect(message.body.content ?? '').toBe('');
    expect(message.files).toHaveLength(1);
    const meta = message.body.attachments[0];
    expect(meta.duration_secs).toBeCloseTo(1.2, 1);
    expect(Buffer.from(meta.waveform, 'base64').length).toBeGreaterThan(10);

    const { pcm24k, sampleRate } = await decodeIndependently(message.files[0]!.data);
    const { peak } = normalizedCrossCorrelation(audio, pcm24k, 2_400);
    const durationMs = activeDurationMs(pcm24k, OPENAI_PCM_RATE, 1);
    console.log(`voice message: decoded at ${sampleRate} Hz, correlation ${peak.toFixed(3)}, ${durationMs} ms of ${activeDurationMs(audio, OPENAI_PCM_RATE, 1)} ms`);
    expect(peak).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(durationMs - activeDurationMs(audio, OPENAI_PCM_RATE, 1))).toBeLessThanOrEqual(60);

    await interaction.waitFor((r) => r.kind === 'edit' && String(r.body.content).includes('Here is your spoken answer.'));
    const request = bed.openai.requests.at(-1)!;
    expect(request.schemaErrors).toEqual([]);
  });

  it('attaches the audio to the reply where voice messages are not allowed', async () => {
    bed.guild.setPermissionOverwrite('general', { id: bed.guild.botRoleId, type: 0, allow: 0n, deny: Permission.SendVoiceMessages });
    bed.openai.scriptChat({ transcript: 'Attached instead.', audio: speechLike(500, OPENAI_PCM_RATE, 22), speed: 4 });
    const before = bed.discord.channelMessages(bed.ids.text).length;
    const interaction = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.bob, name: 'ask', options: { prompt: 'Again' } });
    const reply = await interaction.waitFor((r) => r.kind === 'edit' && r.files.length === 1, 15_000);
    expect(reply.body.content).toContain('Attached instead.');
    expect(reply.files[0]!.name).toMatch(/\.ogg$/);
    const { pcm24k } = await decodeIndependently(reply.files[0]!.data);
    expect(activeDurationMs(pcm24k, OPENAI_PCM_RATE, 1)).toBeGreaterThan(400);
    expect(bed.discord.channelMessages(bed.ids.text).length).toBe(before);
  });

  it('answers in text only with speak:false', async () => {
    bed.openai.scriptChat({ transcript: 'Just text.', textOnly: true });
    const interaction = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.bob, name: 'ask', options: { prompt: 'Text please', speak: false } });
    await interaction.waitFor((r) => r.kind === 'edit' && String(r.body.content).includes('Just text.'), 15_000);
    const body = bed.openai.requests.at(-1)!.body as { modalities: string[]; audio?: unknown };
    expect(body.modalities).toEqual(['text']);
    expect(body.audio).toBeUndefined();
  });
});
