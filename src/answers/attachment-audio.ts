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
  // The download's memory is its own: it moves to the worker without a copy.
  const outcome = await jobs.prepareUpload(bytes, limits, { handOver: true });
  if (!outcome.ok) throw new UserError(outcome.reason);
  return { format: outcome.format, data: outcome.data, durationMs: outcome.durationMs };
}

/**
 * Reads the body into one buffer with a hard byte cap (a declared size, and the server's
 * content-length, can lie) within a time limit, so a huge or endless body costs at most the limit.
 * The body is read with a BYOB reader straight into that buffer: a default reader hands over a new
 * chunk object per read and costs the main thread several times as much for a 25 MB file.
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
  // One byte past the limit tells an over-size body from one of exactly the limit.
  const ceiling = limits.maxBytes + 1;
  let memory = new ArrayBuffer(Math.min(ceiling, Math.max(MIN_DOWNLOAD_BUFFER_BYTES, declaredBytes + 1)));
  let total = 0;
  const reader = response.body.getReader({ mode: 'byob' });
  try {
    for (;;) {
      if (total === memory.byteLength) {
        if (total === ceiling) {
          await reader.cancel().catch(() => undefined);
          throw new UserError(tooLargeReason(limits));
        }
        const grown = new ArrayBuffer(Math.min(ceiling, memory.byteLength * 2));
        new Uint8Array(grown).set(new Uint8Array(memory, 0, total));
        memory = grown;
      }
      const { done, value } = await reader.read(new Uint8Array(memory, total, memory.byteLength - total));
      // A BYOB read moves the memory into the view it returns (an empty one at the end).
      if (value) memory = value.buffer as ArrayBuffer;
      if (done || !value) break;
      total += value.byteLength;
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    if (signal.aborted) throw new UserError('That file took too long to download. Please try again.');
    throw new UserError('The download of that file broke off. Please try again.');
  } finally {
    reader.releaseLock();
  }
  return Buffer.from(memory, 0, total);
}
