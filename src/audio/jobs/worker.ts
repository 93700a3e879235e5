/**
 * The audio worker: whole-file codec work, run in the pool of audio-jobs.ts so that no file ever
 * holds up the main thread (which paces every server's voice packets). Each export is one task.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { encodeOggOpus } from '../ogg-opus.ts';
import { OPENAI_PCM_RATE, bufferToInt16 } from '../format.ts';
import { prepareUpload as prepare, type UploadLimits, type UploadOutcome } from '../upload.ts';
import { encodeVoiceMessageFile, type VoiceMessageFile } from '../voice-message-file.ts';
import { download } from './download.ts';
import { asBuffer, owning } from './transfer.ts';

/** Hands `value` back with `bytes`' memory moved, not copied. */
function withMoved<T>(value: T, bytes: Uint8Array<ArrayBuffer>): T {
  return move({ [transferableSymbol]: [bytes.buffer], [valueSymbol]: value } as never) as T;
}

/** Identifies, measures and converts an uploaded file. */
export function prepareUpload(task: { bytes: Uint8Array; limits: UploadLimits }): UploadOutcome {
  const outcome = prepare(asBuffer(task.bytes), task.limits);
  if (!outcome.ok) return outcome;
  const data = owning(outcome.data);
  return withMoved({ ...outcome, data: data as Buffer }, data);
}

/** Downloads an uploaded file within the limits, then prepares it as {@link prepareUpload} does. */
export async function downloadAndPrepare(task: { url: string; declaredBytes: number; limits: UploadLimits; timeoutMs: number }): Promise<UploadOutcome> {
  const downloaded = await download(task.url, task.declaredBytes, task.limits, task.timeoutMs);
  if (!downloaded.ok) return downloaded;
  return prepareUpload({ bytes: downloaded.bytes, limits: task.limits });
}

/** Encodes 24 kHz mono pcm16 as a Discord voice message. */
export function voiceMessage(task: { pcm16: Uint8Array }): VoiceMessageFile {
  const file = encodeVoiceMessageFile(asBuffer(task.pcm16));
  const ogg = owning(file.ogg);
  return withMoved({ ...file, ogg: ogg as Buffer }, ogg);
}

/** Encodes 24 kHz mono pcm16 as an Ogg Opus file. */
export function oggOpus24kMono(task: { pcm16: Uint8Array }): Uint8Array {
  const ogg = owning(encodeOggOpus(bufferToInt16(asBuffer(task.pcm16)), OPENAI_PCM_RATE, 1));
  return withMoved(ogg, ogg);
}
