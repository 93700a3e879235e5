/**
 * Downloading an uploaded file within its limits, in the audio worker: the socket reads, HTTP parsing
 * and the garbage of a 25 MB body all stay off the main thread (and its garbage collector), which
 * paces every server's voice packets.
 */
import { tooLargeReason, type UploadLimits } from '../upload.ts';

/** The bytes, or why not (a short sentence for the member). */
export type DownloadOutcome = { ok: true; bytes: Buffer } | { ok: false; reason: string };

/** First allocation for a download whose declared size is unknown or implausibly small. */
const MIN_DOWNLOAD_BUFFER_BYTES = 64 * 1024;
const FAILED = "I couldn't download that file. Please try again.";

/**
 * Reads the body into one buffer with a hard byte cap (a declared size, and the server's
 * content-length, can lie) within `timeoutMs` for the whole download, so a huge or endless body costs at most the limit.
 * The body is read with a BYOB reader straight into that buffer: a default reader hands over a new
 * chunk object per read and costs several times as much for a 25 MB file.
 */
export async function download(url: string, declaredBytes: number, limits: UploadLimits, timeoutMs: number): Promise<DownloadOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch {
    return { ok: false, reason: signal.aborted ? 'That file took too long to download. Please try again.' : FAILED };
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: false, reason: FAILED };
  }
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
          return { ok: false, reason: tooLargeReason(limits) };
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
  } catch {
    if (signal.aborted) return { ok: false, reason: 'That file took too long to download. Please try again.' };
    return { ok: false, reason: 'The download of that file broke off. Please try again.' };
  } finally {
    reader.releaseLock();
  }
  return { ok: true, bytes: Buffer.from(memory, 0, total) };
}
