/**
 * Opus encoding and decoding off the main thread: a pool of worker threads sized to the machine, so the
 * main thread only paces, encrypts and sends while the codec work of many conversations spreads over
 * every core.
 *
 * Written on node:worker_threads rather than a pool library (piscina and the like) because Opus is
 * stateful: each stream's encoder or decoder must stay on one thread and see its frames in order, and
 * those libraries hand every task to whichever thread is free. Each stream is pinned to the thread with
 * the fewest streams; a thread answers in the order it was asked.
 *
 * A thread takes a few hundred milliseconds of CPU to start (isolate, modules, the opus binding), more
 * on a busy machine. Until one is up, new streams are coded in the calling thread for their whole life
 * (switching codec state mid-stream would click), so the first answer after start never waits for it.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CodecReply, CodecRequest } from './codec-messages.ts';
import { MONO_24K } from './format.ts';
import { OpusFrameDecoder, OpusFrameEncoder } from './opus-frames.ts';

/** One stream's encoder: whole 20 ms frames of 24 kHz mono in, one opus packet per frame out, in order. */
export interface StreamEncoder {
  encode(frames: readonly Int16Array[]): Promise<Buffer[]>;
  /** Frees the stream's codec state; no more calls after this. */
  close(): void;
}

/** One speaker's decoder: a Discord packet in, a 24 kHz mono frame out (null: libopus rejected it). */
export interface StreamDecoder {
  decode(packet: Buffer): Promise<Int16Array | null>;
  close(): void;
}

interface Pending {
  resolve(reply: CodecReply): void;
  reject(err: Error): void;
}

/** One worker thread and what it owes. */
class Slot {
  worker!: Worker;
  streams = 0;
  stopped = false;
  /** The thread has loaded its modules and takes requests. */
  ready = false;
  /** Resolves when the current thread is ready. */
  started!: Promise<void>;
  readonly pending = new Map<number, Pending>();

  constructor() {
    this.spawn();
  }

  private spawn(): void {
    const worker = new Worker(new URL('./codec-worker.ts', import.meta.url));
    // Idle codec threads never keep the process alive; shutdown does not have to stop them.
    worker.unref();
    this.ready = false;
    let markStarted!: () => void;
    this.started = new Promise((resolve) => (markStarted = resolve));
    worker.on('message', (reply: CodecReply | { ready: true }) => {
      if ('ready' in reply) {
        this.ready = true;
        markStarted();
        return;
      }
      const pending = this.pending.get(reply.seq);
      if (!pending) return;
      this.pending.delete(reply.seq);
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply);
    });
    const fail = (err: Error): void => {
      if (this.worker !== worker) return;
      for (const pending of this.pending.values()) pending.reject(err);
      this.pending.clear();
      if (this.stopped) return;
      // A crashed thread takes its streams' codec state with it; the next request starts fresh ones.
      this.spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`codec thread exited with code ${code}`)));
    this.worker = worker;
  }

  request(message: CodecRequest & { seq: number }, transfer: ArrayBuffer[]): Promise<CodecReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(message.seq, { resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  post(message: CodecRequest): void {
    this.worker.postMessage(message);
  }
}

/** The codec threads of this process. */
export class CodecPool {
  readonly size: number;
  private readonly slots: Slot[];
  private nextStream = 1;
  private nextSeq = 1;

  constructor(threads: number) {
    this.size = Math.max(1, Math.floor(threads));
    this.slots = Array.from({ length: this.size }, () => new Slot());
  }

  openEncoder(): StreamEncoder {
    const pinned = this.pin();
    if (!pinned) return inThreadEncoder();
    const { slot, stream } = pinned;
    let closed = false;
    return {
      encode: async (frames) => {
        const pcm = concatFrames(frames);
        const reply = await slot.request({ kind: 'encode', stream, seq: this.nextSeq++, pcm }, [pcm.buffer as ArrayBuffer]);
        if (!('packets' in reply)) throw new Error('codec thread answered an encode with something else');
        const packets: Buffer[] = [];
        let offset = 0;
        for (const length of reply.lengths) {
          packets.push(Buffer.from(reply.packets.buffer, reply.packets.byteOffset + offset, length));
          offset += length;
        }
        return packets;
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.unpin(slot, stream);
      },
    };
  }

  openDecoder(): StreamDecoder {
    const pinned = this.pin();
    if (!pinned) return inThreadDecoder();
    const { slot, stream } = pinned;
    let closed = false;
    return {
      decode: async (packet) => {
        // Copied: the receive path hands out slices of a shared buffer, which cannot be transferred.
        const copy = new Uint8Array(packet);
        const reply = await slot.request({ kind: 'decode', stream, seq: this.nextSeq++, packet: copy }, [copy.buffer]);
        if (!('pcm' in reply)) throw new Error('codec thread answered a decode with something else');
        return reply.pcm;
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.unpin(slot, stream);
      },
    };
  }

  /** CPU seconds each codec thread has used so far (user + system, that thread only). */
  async threadCpuSeconds(): Promise<number[]> {
    const replies = await Promise.all(this.slots.map((slot) => slot.request({ kind: 'cpu', seq: this.nextSeq++ }, [])));
    return replies.map((reply) => ('cpuUs' in reply ? reply.cpuUs / 1e6 : NaN));
  }

  /** Stops every thread (tests, benchmarks); streams still open fail. */
  async close(): Promise<void> {
    for (const slot of this.slots) slot.stopped = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  /** Resolves once every thread takes streams (benchmarks and tests; the bot never waits for it). */
  async started(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.started));
  }

  /** Whether at least one thread takes streams (before that, streams are coded in the calling thread). */
  get ready(): boolean {
    return this.slots.some((slot) => slot.ready);
  }

  private pin(): { slot: Slot; stream: number } | undefined {
    const ready = this.slots.filter((s) => s.ready);
    if (ready.length === 0) return undefined;
    const slot = ready.reduce((best, s) => (s.streams < best.streams ? s : best));
    slot.streams++;
    return { slot, stream: this.nextStream++ };
  }

  private unpin(slot: Slot, stream: number): void {
    slot.streams--;
    slot.post({ kind: 'close', stream });
  }
}

function inThreadEncoder(): StreamEncoder {
  const encoder = new OpusFrameEncoder(MONO_24K);
  return {
    encode: async (frames) => frames.map((frame) => encoder.encodeFrame(frame)),
    close: () => undefined,
  };
}

function inThreadDecoder(): StreamDecoder {
  const decoder = new OpusFrameDecoder(MONO_24K);
  return {
    decode: async (packet) => decoder.decode(packet),
    close: () => undefined,
  };
}

function concatFrames(frames: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let offset = 0;
  for (const frame of frames) {
    out.set(frame, offset);
    offset += frame.length;
  }
  return out;
}

let shared: CodecPool | undefined;

/** The process's codec pool, started on first use with one thread per core the process may use. */
export function codecPool(): CodecPool {
  shared ??= new CodecPool(availableParallelism());
  return shared;
}
