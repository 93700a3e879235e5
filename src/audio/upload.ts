/**
 * Audio handed to Parley as a file, made ready for the API: identified by its bytes (not its name
 * or declared type), its duration read from the container before any decoding (WAV header checked
 * against the bytes present, MP3 frames counted, Ogg pages walked), then WAV and MP3 passed on as
 * they are and Ogg Opus decoded packet by packet to 24 kHz mono WAV, stopping at the limit.
 * Runs in the audio worker pool (src/audio/jobs): nothing here may touch Discord.
 */
import { detectContainer } from './detect.ts';
import { AudioFormatError, AudioTooLongError } from './errors.ts';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE, monoToStereo } from './format.ts';
import { probeMp3 } from './mp3.ts';
import { streamOggOpus } from './ogg-opus-decode.ts';
import { scanOggOpus, type OggOpusScan } from './ogg-scan.ts';
import { CappedPcmSink } from './pcm-sink.ts';
import { Downsampler48kStereoTo24kMono } from './resample.ts';
import { encodeWav, probeWav } from './wav.ts';

/** What a file may be. */
export interface UploadLimits {
  maxBytes: number;
  maxDurationMs: number;
}

/** A file ready to send, or why not (a short sentence for the member, and a detail for logs). */
export type UploadOutcome =
  | { ok: true; format: 'wav' | 'mp3'; data: Buffer; durationMs: number }
  | { ok: false; reason: string; detail?: string };

const ACCEPTED = 'WAV, MP3, or Ogg Opus (Discord voice messages)';

/** Identifies, measures and converts one uploaded file; never throws for what the file holds. */
export function prepareUpload(bytes: Buffer, limits: UploadLimits): UploadOutcome {
  if (bytes.length === 0) return { ok: false, reason: 'That file is empty.' };
  if (bytes.length > limits.maxBytes) return { ok: false, reason: tooLargeReason(limits) };
  try {
    const container = detectContainer(bytes);
    if (container === 'wav') return passOn('wav', bytes, probeWav(bytes).durationMs, limits);
    if (container === 'mp3') return passOn('mp3', bytes, probeMp3(bytes).durationMs, limits);
    if (container === 'ogg-opus') {
      const scan = scanOggOpus(bytes);
      const refusal = checkDuration(scan.durationMs, limits);
      return refusal ?? { ok: true, format: 'wav', data: oggOpusTo24kMonoWav(bytes, scan, limits), durationMs: scan.durationMs };
    }
    return { ok: false, reason: `I can't read that kind of file. Send ${ACCEPTED}.` };
  } catch (err) {
    if (err instanceof AudioTooLongError) return { ok: false, reason: tooLongReason(limits), detail: err.detail };
    if (err instanceof AudioFormatError) return { ok: false, reason: err.message, detail: err.detail };
    throw err;
  }
}

/** The refusal for a file over the byte limit. */
export function tooLargeReason(limits: UploadLimits): string {
  return `That file is too large: the limit is ${Math.round(limits.maxBytes / 1_000_000)} MB.`;
}

function passOn(format: 'wav' | 'mp3', bytes: Buffer, durationMs: number, limits: UploadLimits): UploadOutcome {
  return checkDuration(durationMs, limits) ?? { ok: true, format, data: bytes, durationMs };
}

function checkDuration(durationMs: number, limits: UploadLimits): UploadOutcome | undefined {
  if (durationMs <= 0) return { ok: false, reason: 'That recording has no audio in it.' };
  if (durationMs > limits.maxDurationMs) return { ok: false, reason: tooLongReason(limits, durationMs), detail: `${Math.round(durationMs)} ms` };
  return undefined;
}

function tooLongReason(limits: UploadLimits, durationMs?: number): string {
  const limit = `the limit is ${describeLimit(limits.maxDurationMs)}`;
  return durationMs === undefined ? `That recording is too long: ${limit}.` : `That recording is too long (${describeLength(durationMs)}): ${limit}.`;
}

/** "45 seconds", "1 minute", "2.5 minutes": a limit under a minute is not "0 minutes". */
export function describeLimit(ms: number): string {
  if (ms < 60_000) {
    const seconds = Math.round(ms / 100) / 10;
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  const minutes = Math.round(ms / 6_000) / 10;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** "9 h 6 min", "12 min", "45 s". */
function describeLength(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const hours = Math.floor(totalSeconds / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`;
}

/** Decodes, downmixes and halves the rate in one pass; memory is the 24 kHz output, capped at the limit. */
function oggOpusTo24kMonoWav(bytes: Buffer, scan: OggOpusScan, limits: UploadLimits): Buffer {
  const maxFrames = Math.floor((limits.maxDurationMs / 1000) * DISCORD_PCM_RATE);
  const resampler = new Downsampler48kStereoTo24kMono();
  const out = new CappedPcmSink(Math.ceil(maxFrames / 2) + 1);
  const stereo = scan.head.channels === 2;
  streamOggOpus(bytes, (pcm) => out.push(resampler.push(stereo ? pcm : monoToStereo(pcm))), { maxFrames, scan });
  out.push(resampler.flush());
  return encodeWav(out.view(), OPENAI_PCM_RATE, 1);
}
