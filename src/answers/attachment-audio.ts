/**
 * Audio handed to Parley as a file (an /ask attachment, a voice message): its declared size checked
 * here, then downloaded within limits of size and time, identified, measured and converted in the
 * audio worker pool (src/audio/jobs/download.ts, src/audio/upload.ts): WAV and MP3 as they are,
 * Ogg Opus decoded (no ffmpeg) to 24 kHz mono WAV. Nothing of the file touches the main thread.
 */
import type { Attachment } from 'discord.js';
import type { AudioJobs } from '../audio/jobs/audio-jobs.ts';
import { tooLargeReason, type UploadLimits } from '../audio/upload.ts';
import type { Config } from '../config.ts';
import type { UserAudio } from '../conversation/types.ts';
import { UserError } from '../errors.ts';

/** Byte, duration and download-time limits of a file. */
export interface AudioLimits extends UploadLimits {
  downloadTimeoutMs: number;
}


/** The configured limits. */
export function audioLimits(config: Config): AudioLimits {
  return { maxBytes: config.audioMaxBytes, maxDurationMs: config.audioMaxDurationMs, downloadTimeoutMs: config.audioDownloadTimeoutMs };
}

/** Refuses an attachment whose declared size is over the limit, before anything is downloaded. */
export function checkDeclaredSize(attachment: Pick<Attachment, 'size'>, limits: AudioLimits): void {
  if (attachment.size > limits.maxBytes) throw new UserError(tooLargeReason(limits));
}

/** Downloads and checks an attachment off the main thread; every failure is a UserError with a short reason. */
export async function audioFromAttachment(attachment: Pick<Attachment, 'url' | 'size'>, limits: AudioLimits, jobs: AudioJobs): Promise<UserAudio> {
  checkDeclaredSize(attachment, limits);
  const outcome = await jobs.downloadAndPrepare(attachment.url, attachment.size, limits, limits.downloadTimeoutMs);
  if (!outcome.ok) throw new UserError(outcome.reason);
  return { format: outcome.format, data: outcome.data, durationMs: outcome.durationMs };
}
