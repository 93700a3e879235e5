import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES_24K_MONO, FRAME_VALUES_48K_STEREO, MONO_24K, STEREO_48K, monoToStereo } from '../../../src/audio/format.ts';
import { OpusFrameDecoder, OpusFrameEncoder } from '../../../src/audio/opus-frames.ts';
import { opusPacketSamples48k } from '../../../src/audio/opus-packet.ts';
import { Downsampler48kStereoTo24kMono, Upsampler24kMonoTo48kStereo } from '../../../src/audio/resample.ts';
import { mixToMono, normalizedCrossCorrelation } from '../../support/compare.ts';
import { concat, speechLike } from '../../support/signals.ts';

/** libopus's encoder delay at 48 kHz: decoded audio lags the input by this much. */
const CODEC_DELAY_48K = 312;

describe('OpusFrameEncoder', () => {
  it('emits one packet per complete 20 ms frame for any push sizes, keeping the remainder', () => {
    const stereo = monoToStereo(speechLike(1_000, 48_000, 21));
    const encoder = new OpusFrameEncoder();
    const packets: Buffer[] = [];
    let offset = 0;
    for (const size of [1, 1_919, 5_000, 3, 0, 7_681]) {
      packets.push(...encoder.push(stereo.subarray(offset, offset + size)));
      offset += size;
    }
    expect(packets.length).toBe(Math.floor(offset / FRAME_VALUES_48K_STEREO));
    expect(encoder.pendingValues).toBe(offset % FRAME_VALUES_48K_STEREO);
    packets.push(...encoder.push(stereo.subarray(offset)));
    expect(packets.length).toBe(50);
    // Ending on a frame boundary: one silent frame carries the encoder's look-ahead out.
    expect(encoder.flush().length).toBe(1);
    expect(encoder.flush()).toEqual([]);
    for (const packet of packets) expect(opusPacketSamples48k(packet)).toBe(960);
    const averageBytes = packets.reduce((sum, p) => sum + p.length, 0) / packets.length;
    expect(averageBytes).toBeGreaterThan(40); // ~64 kbps = 160 bytes per 20 ms, VBR
    expect(averageBytes).toBeLessThan(400);
  });

  it('flush() zero-pads a partial frame into one last packet when the padding covers the look-ahead', () => {
    const encoder = new OpusFrameEncoder();
    expect(encoder.push(new Int16Array(FRAME_VALUES_48K_STEREO * 1.5)).length).toBe(1);
    const tail = encoder.flush();
    expect(tail.length).toBe(1);
    expect(encoder.pendingValues).toBe(0);
    expect(encoder.flush()).toEqual([]);
  });

  it('flush() adds a silent frame when the padding is shorter than the look-ahead', () => {
    const encoder = new OpusFrameEncoder();
    expect(encoder.push(new Int16Array(FRAME_VALUES_48K_STEREO * 1.9)).length).toBe(1);
    expect(encoder.flush().length).toBe(2);
  });

  it('produces packets that decode back to the input (delayed by the codec lookahead)', () => {
    const mono = speechLike(1_000, 48_000, 22);
    const encoder = new OpusFrameEncoder();
    const decoder = new OpusFrameDecoder();
    const packets = [...encoder.push(monoToStereo(mono)), ...encoder.flush()];
    const decoded = concat(...packets.map((p) => decoder.decode(p)!));
    // 50 frames of audio plus the look-ahead frame.
    expect(decoded.length).toBe(mono.length * 2 + FRAME_VALUES_48K_STEREO);
    const { peak, lag } = normalizedCrossCorrelation(mono, mixToMono(decoded, 2), 2_000);
    // Hybrid (SILK + CELT) mode, chosen for voice, shifts the waveform by a sample or two.
    expect(Math.abs(lag - CODEC_DELAY_48K)).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(0.9);
  });
});

describe('24 kHz mono (the model\'s layout)', () => {
  it('encodes 480-sample frames into packets a 48 kHz stereo listener hears as the input', () => {
    const mono24k = speechLike(1_000, 24_000, 24);
    const encoder = new OpusFrameEncoder(MONO_24K);
    const listener = new OpusFrameDecoder(STEREO_48K);
    const packets = [...encoder.push(mono24k), ...encoder.flush()];
    // 50 frames plus the look-ahead frame; every packet is 20 ms as Discord expects.
    expect(packets.length).toBe(51);
    for (const packet of packets) expect(opusPacketSamples48k(packet)).toBe(960);
    const heard = mixToMono(concat(...packets.map((p) => listener.decode(p)!)), 2);
    const reference = mixToMono(new Upsampler24kMonoTo48kStereo().push(mono24k), 2);
    const { peak, lag } = normalizedCrossCorrelation(reference, heard, 2_000);
    expect(Math.abs(lag - CODEC_DELAY_48K)).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(0.9);
  });

  it('decodes any Discord packet straight to 24 kHz mono frames', () => {
    const stereo = monoToStereo(speechLike(1_000, 48_000, 25));
    const client = new OpusFrameEncoder(STEREO_48K);
    const decoder = new OpusFrameDecoder(MONO_24K);
    const frames = [...client.push(stereo), ...client.flush()].map((p) => decoder.decode(p)!);
    for (const frame of frames) expect(frame.length).toBe(FRAME_SAMPLES_24K_MONO);
    const reference = new Downsampler48kStereoTo24kMono().push(stereo);
    const { peak, lag } = normalizedCrossCorrelation(reference, concat(...frames), 1_000);
    expect(Math.abs(lag - CODEC_DELAY_48K / 2)).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(0.9);
  });
});

describe('OpusFrameDecoder', () => {
  it('returns null for empty or corrupt packets and keeps decoding afterwards', () => {
    const encoder = new OpusFrameEncoder();
    const decoder = new OpusFrameDecoder();
    const [good] = encoder.push(monoToStereo(speechLike(20, 48_000, 23)));
    expect(decoder.decode(Buffer.alloc(0))).toBeNull();
    expect(decoder.decode(Buffer.from([(30 << 3) | 1, 1, 2, 3]))).toBeNull();
    expect(decoder.decode(Buffer.from([0xff]))).toBeNull(); // code 3 without a frame count byte
    const pcm = decoder.decode(new Uint8Array(good!));
    expect(pcm).toBeInstanceOf(Int16Array);
    expect(pcm!.length).toBe(FRAME_VALUES_48K_STEREO);
  });
});

describe('opusPacketSamples48k', () => {
  it('reads durations from the TOC byte', () => {
    expect(opusPacketSamples48k(Buffer.from([(1 << 3) | 0]))).toBe(960); // SILK 20 ms
    expect(opusPacketSamples48k(Buffer.from([(3 << 3) | 1]))).toBe(5_760); // SILK 60 ms x2
    expect(opusPacketSamples48k(Buffer.from([(16 << 3) | 3, 4]))).toBe(480); // CELT 2.5 ms x4
    expect(opusPacketSamples48k(Buffer.from([(31 << 3) | 3, 7]))).toBe(null); // 140 ms is too long
    expect(opusPacketSamples48k(Buffer.alloc(0))).toBe(null);
  });
});
