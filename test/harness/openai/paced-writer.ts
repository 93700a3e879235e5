/**
 * Writes a response body as a sequence of chunks with real-time pacing and the scripted transport faults
 * (stall, cut, reset). Shared by every streamed answer: chat SSE, speech audio and speech SSE.
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault, Pacing, RecordedRequest } from './types.ts';

/** Default milliseconds of audio per chunk. */
export const DEFAULT_CHUNK_MS = 100;
/**
 * Time the client gets to read what was sent before a `reset` fault tears the connection down. A TCP reset
 * makes the receiver drop whatever it has not read yet (RFC 793 3.9, a RST in ESTABLISHED: "All segment
 * queues should be flushed"; Linux's tcp_reset does), so "reset after chunk N" only means the client saw
 * chunk N if it had time to read it; 20 ms was too short on a loaded machine.
 */
const RESET_GRACE_MS = 250;

/** One piece of a response body. */
export interface OutgoingChunk {
  data: string | Buffer;
  /** For chunks that carry audio: the audio offset (ms) they start at; drives pacing and `chunkSentAt`. */
  audioMs?: number;
  /** The usage object this chunk reports, recorded as `reportedUsage` once written. */
  usage?: unknown;
}

/** Where the writer reports what it sent. */
export interface ChunkObserver {
  request: RecordedRequest;
  onChunk(event: { request: RecordedRequest; index: number; at: number; audioMs: number }): void;
  onEnd(request: RecordedRequest): void;
}

/** Milliseconds of sending delay before the chunk that starts at `audioMs` (pauses count once reached). */
export function sendOffsetMs(pacing: Pacing, audioMs: number): number {
  const paced = pacing.speed ? audioMs / pacing.speed : 0;
  const paused = (pacing.pauses ?? []).filter((p) => p.atMs <= audioMs).reduce((sum, p) => sum + p.durationMs, 0);
  return (pacing.firstChunkDelayMs ?? 0) + paced + paused;
}

function write(res: ServerResponse, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    // A destroyed socket may never call the write callback; 'close' makes sure the sender is not left hanging.
    const onClose = (): void => reject(new Error('response closed before the write completed'));
    res.once('close', onClose);
    res.write(data, (error) => {
      res.off('close', onClose);
      if (error) reject(error);
      else resolve();
    });
  });
}

function halfOf(data: string | Buffer): string | Buffer {
  return typeof data === 'string'
    ? data.slice(0, Math.max(1, Math.floor(data.length / 2)))
    : data.subarray(0, data.length >> 1);
}

/** Resolves when the fake stops or the client goes away: what keeps a stalled response open until then. */
function untilStoppedOrClosed(res: ServerResponse, signal: AbortSignal): Promise<void> {
  if (signal.aborted || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      res.off('close', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    res.once('close', done);
  });
}

/**
 * Sends `chunks` (headers must already be written), honouring `pacing` and `fault`, then `trailer` (e.g.
 * `data: [DONE]`) and ends the response unless a fault says otherwise. Faults count every chunk, audio or not;
 * `afterChunks` beyond the chunk count means "after the last chunk, before the trailer".
 * Resolves when done; never rejects (a vanished client just ends the sending).
 */
export async function sendPacedChunks(
  res: ServerResponse,
  chunks: OutgoingChunk[],
  options: { pacing: Pacing; fault?: Fault; trailer?: string; signal: AbortSignal; observer: ChunkObserver },
): Promise<void> {
  const { pacing, fault, trailer, signal, observer } = options;
  const transportFault = fault && fault.kind !== 'status' ? fault : undefined;
  const faultAt = transportFault ? Math.min(Math.max(0, transportFault.afterChunks), chunks.length) : -1;
  const startedAt = performance.now();
  let audioMs = 0;
  const finish = (): void => {
    observer.request.endedAt = performance.now();
    observer.onEnd(observer.request);
  };
  try {
    for (let index = 0; index <= chunks.length; index++) {
      if (signal.aborted || res.destroyed) return;
      if (index === faultAt && transportFault) {
        if (transportFault.kind === 'stall') {
          await untilStoppedOrClosed(res, signal);
          return;
        }
        if (transportFault.kind === 'cut') {
          const next = chunks[index];
          if (transportFault.midJson && next) await write(res, halfOf(next.data));
          res.end();
          finish();
          return;
        }
        await sleep(RESET_GRACE_MS, undefined, { signal });
        res.socket?.resetAndDestroy();
        finish();
        return;
      }
      const chunk = chunks[index];
      if (!chunk) break;
      if (chunk.audioMs !== undefined) audioMs = chunk.audioMs;
      const dueAt = startedAt + sendOffsetMs(pacing, audioMs);
      const waitMs = dueAt - performance.now();
      if (waitMs > 0) await sleep(waitMs, undefined, { signal });
      const written = write(res, chunk.data);
      if (chunk.audioMs !== undefined) {
        const at = performance.now();
        observer.request.chunkSentAt.push(at);
        observer.onChunk({ request: observer.request, index: observer.request.chunkSentAt.length - 1, at, audioMs });
      }
      // Waiting for each write keeps memory bounded and lets a slow reader apply backpressure.
      await written;
      if (chunk.usage !== undefined) observer.request.reportedUsage = chunk.usage;
    }
    if (trailer !== undefined) await write(res, trailer);
    res.end();
    finish();
  } catch {
    // Aborted by stop() or the client went away: tear down whatever is left.
    if (!res.destroyed) res.destroy();
  }
}
