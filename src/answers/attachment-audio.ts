/**
 * Audio handed to Parley as a file (an /ask attachment, a voice message): downloaded within limits,
 * identified by its bytes (not its name or declared type), and turned into what the API accepts:
 * WAV and MP3 as they are, Ogg Opus decoded here (no ffmpeg) and sent as 24 kHz mono WAV.
 */
import type { Attachment } from 'discord.js';
import { detectContainer } from '../audio/detect.ts';
import { AudioFormatError } from '../audio/errors.ts';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE, stereoToMono } from '../audio/format.ts';
import { probeMp3 } from '../audio/mp3.ts';
import { decodeOggOpus } from '../audio/ogg-opus.ts';
import { resampleMono } from '../audio/resample-any-rate.ts';
import { encodeWav, parseWav } from '../audio/wav.ts';
import type { Config } from '../config.ts';
import type { UserAudio } from '../conversation/types.ts';
import { UserError } from '../errors.ts';

export interface AudioLimits {
  maxBytes: number;
  maxDurationMs: number;
}

const ACCEPTED = 'WAV, MP3, or Ogg Opus (Discord voice messages)';
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** The configured limits. */
export function audioLimits(config: Config): AudioLimits {
  return { maxBytes: config.audioMaxBytes, maxDurationMs: config.audioMaxDurationMs };
}

/** Refuses an attachment whose declared size is over the limit, before anything is downloaded. */
export function checkDeclaredSize(attachment: Pick<Attachment, 'size'>, limits: AudioLimits): void {
  if (attachment.size > limits.maxBytes) throw tooLarge(limits);
}

/** Downloads and checks an attachment; every failure is a UserError with a short reason. */
export async function audioFromAttachment(attachment: Pick<Attachment, 'url' | 'size'>, limits: AudioLimits): Promise<UserAudio> {
  checkDeclaredSize(attachment, limits);
  const bytes = await download(attachment.url, limits);
  return audioFromBytes(bytes, limits);
}

/** Identifies and validates audio bytes; Ogg Opus is converted to WAV. */
export function audioFromBytes(bytes: Buffer, limits: AudioLimits): UserAudio {
  if (bytes.length === 0) throw new UserError('That file is empty.');
  if (bytes.length > limits.maxBytes) throw tooLarge(limits);
  const container = detectContainer(bytes);
  let audio: UserAudio;
  try {
    if (container === 'wav') {
      audio = { format: 'wav', data: bytes, durationMs: parseWav(bytes).durationMs };
    } else if (container === 'mp3') {
      audio = { format: 'mp3', data: bytes, durationMs: probeMp3(bytes).durationMs };
    } else if (container === 'ogg-opus') {
      const decoded = decodeOggOpus(bytes);
      const mono = decoded.channels === 2 ? stereoToMono(decoded.pcm) : decoded.pcm;
      const pcm24k = resampleMono(mono, DISCORD_PCM_RATE, OPENAI_PCM_RATE);
      audio = { format: 'wav', data: encodeWav(pcm24k, OPENAI_PCM_RATE, 1), durationMs: decoded.durationMs };
    } else {
      throw new UserError(`I can't read that kind of file. Send ${ACCEPTED}.`);
    }
  } catch (err) {
    if (err instanceof AudioFormatError) throw new UserError(err.message);
    throw err;
  }
  if (audio.durationMs <= 0) throw new UserError('That recording has no audio in it.');
  if (audio.durationMs > limits.maxDurationMs) {
    throw new UserError(`That recording is too long: the limit is ${describeLength(limits.maxDurationMs)}.`);
  }
  return audio;
}

/** "45 seconds", "1 minute", "2.5 minutes": a limit under a minute is not "0 minutes". */
export function describeLength(ms: number): string {
  if (ms < 60_000) {
    const seconds = Math.round(ms / 100) / 10;
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  const minutes = Math.round(ms / 6_000) / 10;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

function tooLarge(limits: AudioLimits): UserError {
  return new UserError(`That file is too large: the limit is ${Math.round(limits.maxBytes / 1_000_000)} MB.`);
}

/** Reads the body with a hard byte cap, since a declared size can lie. */
async function download(url: string, limits: AudioLimits): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch {
    throw new UserError("I couldn't download that file. Please try again.");
  }
  if (!response.ok || !response.body) throw new UserError("I couldn't download that file. Please try again.");
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      if (total > limits.maxBytes) throw tooLarge(limits);
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError("The download of that file broke off. Please try again.");
  }
  return Buffer.concat(chunks);
}
