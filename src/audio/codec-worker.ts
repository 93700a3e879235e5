/**
 * The body of one codec worker thread: it owns the Opus encoders and decoders of the streams the pool
 * routed to it (Opus is stateful, so a stream stays on one thread) and answers each request in order.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { MONO_24K } from './format.ts';
import { OpusFrameDecoder, OpusFrameEncoder } from './opus-frames.ts';
import type { CodecReply, CodecRequest } from './codec-messages.ts';

const port = parentPort;
if (!port) throw new Error('codec-worker.ts runs as a worker thread');

/**
 * Niceness of the codec threads: below the main thread, which paces every guild's packets. Answers are
 * encoded up to 300 ms ahead, so when many start at once the codec threads can wait; the pacer cannot.
 * Without this, a burst of encoding took both cores and delayed the pacer's ticks by 60-120 ms.
 */
const CODEC_THREAD_NICENESS = 10;

lowerThisThreadsPriority();

/** Linux applies setpriority to one thread when given its id, which /proc/thread-self names; elsewhere nothing changes. */
function lowerThisThreadsPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, CODEC_THREAD_NICENESS);
  } catch {
    // Not Linux, or not permitted: the threads run at the process's priority.
  }
}

const encoders = new Map<number, OpusFrameEncoder>();
const decoders = new Map<number, OpusFrameDecoder>();

function handle(request: CodecRequest): CodecReply | undefined {
  switch (request.kind) {
    case 'encode': {
      let encoder = encoders.get(request.stream);
      if (!encoder) encoders.set(request.stream, (encoder = new OpusFrameEncoder(MONO_24K)));
      const packets = encoder.push(request.pcm);
      // One transferable buffer for the batch instead of one message part per packet.
      const bytes = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
      let offset = 0;
      for (const packet of packets) {
        bytes.set(packet, offset);
        offset += packet.length;
      }
      return { seq: request.seq, packets: bytes, lengths: packets.map((p) => p.length) };
    }
    case 'decode': {
      let decoder = decoders.get(request.stream);
      if (!decoder) decoders.set(request.stream, (decoder = new OpusFrameDecoder(MONO_24K)));
      return { seq: request.seq, pcm: decoder.decode(request.packet) };
    }
    case 'cpu': {
      const used = process.threadCpuUsage();
      return { seq: request.seq, cpuUs: used.user + used.system };
    }
    case 'close':
      encoders.delete(request.stream);
      decoders.delete(request.stream);
      return undefined;
  }
}

// Loaded and listening: the pool routes new streams here from now on.
port.postMessage({ ready: true });

port.on('message', (request: CodecRequest) => {
  let reply: CodecReply | undefined;
  try {
    reply = handle(request);
  } catch (err) {
    reply = { seq: 'seq' in request ? request.seq : -1, error: err instanceof Error ? err.message : String(err) };
  }
  if (!reply) return;
  const transfer = 'packets' in reply ? [reply.packets.buffer] : 'pcm' in reply && reply.pcm ? [reply.pcm.buffer] : [];
  port.postMessage(reply, transfer as ArrayBuffer[]);
});
