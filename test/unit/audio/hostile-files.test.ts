import { describe, expect, it } from 'vitest';
import { scanOggOpus } from '../../../src/audio/ogg-scan.ts';
import { prepareUpload, type UploadOutcome } from '../../../src/audio/upload.ts';
import { endlessOggPacket, longLowBitrateOggOpus, lyingMp3, overclaimingWav, tinyOggPages, truncatedOggOpus } from '../../support/hostile-audio.ts';

const LIMITS = { maxBytes: 25_000_000, maxDurationMs: 600_000 };

function timed(bytes: Buffer): { outcome: UploadOutcome; ms: number } {
  const started = performance.now();
  const outcome = prepareUpload(bytes, LIMITS);
  return { outcome, ms: performance.now() - started };
}

describe('hostile files: limits before work', () => {
  it('refuses 25 MB of 6 kbps Ogg Opus (about 9 hours) from its pages, before decoding', () => {
    const file = longLowBitrateOggOpus(LIMITS.maxBytes);
    expect(file.data.length).toBeLessThanOrEqual(LIMITS.maxBytes);
    expect(file.claimedMs).toBeGreaterThan(8.5 * 3_600_000);
    const { outcome, ms } = timed(file.data);
    console.log(`long Ogg: ${(file.data.length / 1e6).toFixed(1)} MB, ${(file.claimedMs / 3_600_000).toFixed(2)} h, refused in ${ms.toFixed(1)} ms`);
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/too long \((8 h 5\d|9 h \d+) min\): the limit is 10 minutes/) });
    expect(ms).toBeLessThan(1_000);
  });

  it('walks a million tiny Ogg pages in one cheap pass, and stops decoding where their granules say', () => {
    const file = tinyOggPages(LIMITS.maxBytes, 2_000);
    const started = performance.now();
    const scan = scanOggOpus(file.data);
    const scanMs = performance.now() - started;
    const { outcome, ms } = timed(file.data);
    console.log(`tiny pages: ${scan.pages} pages in ${(file.data.length / 1e6).toFixed(1)} MB: scan ${scanMs.toFixed(1)} ms, prepared in ${ms.toFixed(1)} ms`);
    expect(scan.pages).toBeGreaterThan(800_000);
    expect(scan.countedFrames / 48_000).toBeGreaterThan(3 * 3_600);
    expect(outcome).toMatchObject({ ok: true, format: 'wav', durationMs: 2_000 });
  });

  it('refuses the same pages when their granules tell the truth', () => {
    const file = tinyOggPages(LIMITS.maxBytes, 5 * 3_600_000);
    expect(timed(file.data).outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/too long/) });
  });

  it('counts MP3 frames instead of believing the Xing header', () => {
    const short = lyingMp3(30_000, 10);
    expect(timed(short.data).outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/too long \(13 min\)/) });
    const long = lyingMp3(100, 10_000_000);
    const { outcome } = timed(long.data);
    expect(outcome.ok && Math.round(outcome.durationMs)).toBe(Math.round((100 * 1_152 * 1000) / 44_100));
  });

  it('refuses a WAV whose header claims more data than it has', () => {
    expect(timed(overclaimingWav(500, 60_000).data).outcome).toMatchObject({ ok: false, reason: 'That WAV file is incomplete.' });
  });

  it('refuses an Ogg packet that never ends, and decodes what a cut-off Ogg holds', () => {
    expect(timed(endlessOggPacket(2_000_000).data).outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/no audio/) });
    const cut = timed(truncatedOggOpus(1_000).data).outcome;
    expect(cut.ok && cut.durationMs).toBeGreaterThan(900);
  });
});
