import { afterAll, describe, expect, it } from 'vitest';
import { createAudioJobs } from '../../../src/audio/jobs/audio-jobs.ts';
import { decodeOggOpus } from '../../../src/audio/ogg-opus.ts';
import { encodeOggOpus } from '../../../src/audio/ogg-opus.ts';
import { encodeWav, parseWav } from '../../../src/audio/wav.ts';
import { normalizedCrossCorrelation } from '../../support/compare.ts';
import { speechLike } from '../../support/signals.ts';

const LIMITS = { maxBytes: 1_000_000, maxDurationMs: 20_000 };

describe('audio jobs: whole-file work in worker threads', () => {
  const jobs = createAudioJobs({ threads: 1 });
  afterAll(() => jobs.close());

  it('decodes an Ogg Opus upload to 24 kHz mono WAV in a worker', async () => {
    const pcm = speechLike(1_000, 24_000, 41);
    const outcome = await jobs.prepareUpload(encodeOggOpus(pcm, 24_000, 1), LIMITS);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(Buffer.isBuffer(outcome.data)).toBe(true);
    const wav = parseWav(outcome.data);
    expect(wav.sampleRate).toBe(24_000);
    expect(outcome.durationMs).toBe(1_000);
    expect(normalizedCrossCorrelation(pcm, wav.pcm, 240).peak).toBeGreaterThan(0.9);
  });

  it('copies a buffer that shares its memory instead of taking memory that is not its own', async () => {
    const neighbour = Buffer.from('keep me');
    const small = encodeWav(speechLike(50, 8_000, 42), 8_000, 1);
    const pooled = Buffer.from(small); // small Buffers share Node's pool
    const outcome = await jobs.prepareUpload(pooled, LIMITS);
    expect(outcome).toMatchObject({ ok: true, format: 'wav' });
    expect(neighbour.toString()).toBe('keep me');
  });

  it('refuses with a reason instead of throwing', async () => {
    expect(await jobs.prepareUpload(Buffer.from('not audio'), LIMITS)).toMatchObject({ ok: false, reason: expect.stringMatching(/WAV, MP3, or Ogg Opus/) });
  });

  it('encodes voice messages and Ogg previews, leaving the caller its audio', async () => {
    const pcm16 = Buffer.from(speechLike(500, 24_000, 43).buffer);
    const file = await jobs.encodeVoiceMessage(pcm16);
    expect(file.durationSecs).toBe(0.5);
    expect(pcm16.length).toBe(24_000);
    expect(decodeOggOpus(file.ogg).durationMs).toBe(500);
    expect(decodeOggOpus(await jobs.encodeOggOpus24kMono(pcm16)).durationMs).toBe(500);
  });
});
