/**
 * Audio handed to Parley as a file (an /ask attachment, a voice message): downloaded within limits
 * of size and time, then identified, measured and converted in the audio worker pool
 * (src/audio/upload.ts): WAV and MP3 as they are, Ogg Opus decoded (no ffmpeg) to 24 kHz mono WAV.
 */
import type { Attachment } from 'discord.js';
import type { AudioJobs } from '../audio/jobs/audio-jobs.ts';
import { tooLargeReason, type UploadLimits } from '../audio/upload.ts';
import type { Config } from '../config.ts';
import type { UserAudio } from '../conversation/types.ts';
import { UserError } from '../discord/errors.ts';

/** Byte and duration limits of a file. */
export type AudioLimits = UploadLimits;

/** The whole download, headers to last byte; a slower server is given up on. */
const DOWNLOAD_TIMEOUT_MS = 30_000;
/** First allocation for a download whose declared size is unknown or implausibly small. */
const MIN_DOWNLOAD_BUFFER_BYTES = 64 * 1024;

/** The configured limits. */
export function audioLimits(config: Config): AudioLimits {
  return { maxBytes: config.audioMaxBytes, maxDurationMs: config.audioMaxDurationMs };
}

/** Refuses an attachment whose declared size is over the limit, before anything is downloaded. */
export function checkDeclaredSize(attachment: Pick<Attachment, 'size'>, limits: AudioLimits): void {
  if (attachment.size > limits.maxBytes) throw new UserError(tooLargeReason(limits));
}

/** Downloads and checks an attachment; every failure is a UserError with a short reason. */
export async function audioFromAttachment(attachment: Pick<Attachment, 'url' | 'size'>, limits: AudioLimits, jobs: AudioJobs): Promise<UserAudio> {
  checkDeclaredSize(attachment, limits);
  const bytes = await download(attachment.url, attachment.size, limits);
  return audioFromBytes(bytes, limits, jobs);
}

/** Identifies, measures and converts audio bytes off the main thread; `bytes` is handed over. */
export async function audioFromBytes(bytes: Buffer, limits: AudioLimits, jobs: AudioJobs): Promise<UserAudio> {
  const outcome = await jobs.prepareUpload(bytes, limits);
  if (!outcome.ok) throw new UserError(outcome.reason);
  return { format: outcome.format, data: outcome.data, durationMs: outcome.durationMs };
}

/**
 * Reads the body into one buffer with a hard byte cap (a declared size, and the server's
 * content-length, can lie) within a time limit, so a huge or endless body costs at most the limit.
 */
async function download(url: string, declaredBytes: number, limits: AudioLimits): Promise<Buffer> {
  const failed = () => new UserError("I couldn't download that file. Please try again.");
  const signal = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch {
    throw failed();
  }
  if (!response.ok || !response.body) throw failed();
  let buffer = Buffer.allocUnsafeSlow(Math.min(limits.maxBytes, Math.max(MIN_DOWNLOAD_BUFFER_BYTES, declaredBytes)));
  let total = 0;
  try {
    for await (const chunk of response.body) {
      if (total + chunk.byteLength > limits.maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw new UserError(tooLargeReason(limits));
      }
      if (total + chunk.byteLength > buffer.length) {
        const grown = Buffer.allocUnsafeSlow(Math.min(limits.maxBytes, Math.max(total + chunk.byteLength, buffer.length * 2)));
        buffer.copy(grown, 0, 0, total);
        buffer = grown;
      }
      buffer.set(chunk, total);
      total += chunk.byteLength;
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    if (signal.aborted) throw new UserError('That file took too long to download. Please try again.');
    throw new UserError('The download of that file broke off. Please try again.');
  }
  return buffer.subarray(0, total);
}
