/**
 * Whole-file audio work (decoding uploads, encoding voice messages and previews) in a pool of worker
 * threads (piscina), so the main thread stays free to pace every server's voice packets. Tasks are
 * bounded in time: a task past its deadline is abandoned and its worker replaced.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { UploadLimits, UploadOutcome } from '../upload.ts';
import type { VoiceMessageFile } from '../voice-message-file.ts';
import { asBuffer, owning } from './transfer.ts';

/** The work the pool does; every method resolves on the main thread with the worker's result. */
export interface AudioJobs {
  /**
   * Identifies, measures (before decoding) and converts an uploaded file. `bytes` is handed over:
   * its memory moves to the worker (a copy when it shares an ArrayBuffer with other data) and the
   * caller must not use it afterwards.
   */
  prepareUpload(bytes: Buffer, limits: UploadLimits): Promise<UploadOutcome>;
  /**
   * Downloads a file (within the byte limit whatever it declares, and a time limit) and prepares it
   * as {@link prepareUpload} does, all in a worker.
   */
  downloadAndPrepare(url: string, declaredBytes: number, limits: UploadLimits, timeoutMs: number): Promise<UploadOutcome>;
  /** 24 kHz mono pcm16 as a Discord voice message. */
  encodeVoiceMessage(pcm16: Buffer): Promise<VoiceMessageFile>;
  /** 24 kHz mono pcm16 as an Ogg Opus file. */
  encodeOggOpus24kMono(pcm16: Buffer): Promise<Buffer>;
  /** Stops the workers; tasks still running are rejected. */
  close(): Promise<void>;
}

/** Options for {@link createAudioJobs}. */
export interface AudioJobsOptions {
  /** Worker threads at most. Default: the cores but one (the main thread's), 1 to 4. */
  threads?: number;
}

/** A 10-minute upload decodes in about a second; far past that (plus a download's own limit), something is wrong. */
const TASK_TIMEOUT_MS = 60_000;
/** Tasks a worker takes at once (codec work runs one at a time anyway; downloads interleave). */
const CONCURRENT_TASKS_PER_WORKER = 4;
/** Extra workers (above one kept warm) exit after this long without work. */
const IDLE_TIMEOUT_MS = 30_000;
const WORKER_FILE = new URL('./worker.ts', import.meta.url).href;

/** Starts the pool (one worker at once, so the first file does not wait for a thread to boot). */
export function createAudioJobs(options: AudioJobsOptions = {}): AudioJobs {
  const threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  const pool = new Piscina({
    filename: WORKER_FILE,
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: IDLE_TIMEOUT_MS,
    // Downloads mostly wait on the network: a slow one must not hold a worker that could encode meanwhile.
    concurrentTasksPerWorker: CONCURRENT_TASKS_PER_WORKER,
  });
  const run = <T>(name: string, task: object, transfer?: Uint8Array<ArrayBuffer>): Promise<T> =>
    pool.run(task, { name, transferList: transfer ? [transfer.buffer] : [], signal: AbortSignal.timeout(TASK_TIMEOUT_MS + ((task as { timeoutMs?: number }).timeoutMs ?? 0)) }) as Promise<T>;
  let closed: Promise<void> | undefined;

  return {
    async prepareUpload(bytes, limits) {
      const owned = owning(bytes);
      const outcome = await run<UploadOutcome>('prepareUpload', { bytes: owned, limits }, owned);
      return outcome.ok ? { ...outcome, data: asBuffer(outcome.data) } : outcome;
    },
    async downloadAndPrepare(url, declaredBytes, limits, timeoutMs) {
      const outcome = await run<UploadOutcome>('downloadAndPrepare', { url, declaredBytes, limits: { maxBytes: limits.maxBytes, maxDurationMs: limits.maxDurationMs }, timeoutMs });
      return outcome.ok ? { ...outcome, data: asBuffer(outcome.data) } : outcome;
    },
    async encodeVoiceMessage(pcm16) {
      // A copy: the caller may still need its audio (e.g. to store it).
      const copy = new Uint8Array(pcm16);
      const file = await run<VoiceMessageFile>('voiceMessage', { pcm16: copy }, copy);
      return { ...file, ogg: asBuffer(file.ogg) };
    },
    async encodeOggOpus24kMono(pcm16) {
      const copy = new Uint8Array(pcm16);
      return asBuffer(await run<Uint8Array>('oggOpus24kMono', { pcm16: copy }, copy));
    },
    close() {
      closed ??= pool.destroy();
      return closed;
    },
  };
}
