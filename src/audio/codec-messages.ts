/** The messages between the codec pool (main thread) and its worker threads. */

/** Encode whole 20 ms frames of 24 kHz mono (concatenated) on `stream`'s encoder. */
export interface EncodeRequest {
  kind: 'encode';
  stream: number;
  seq: number;
  pcm: Int16Array;
}

/** Decode one Discord packet on `stream`'s decoder to 24 kHz mono. */
export interface DecodeRequest {
  kind: 'decode';
  stream: number;
  seq: number;
  packet: Uint8Array;
}

/** Forget `stream`'s codec state (no reply). */
export interface CloseRequest {
  kind: 'close';
  stream: number;
}

/** The worker thread's own CPU time so far (process.threadCpuUsage), for cost accounting. */
export interface CpuRequest {
  kind: 'cpu';
  seq: number;
}

export type CodecRequest = EncodeRequest | DecodeRequest | CloseRequest | CpuRequest;

/** Encoded packets, concatenated in `packets`, cut by `lengths`. */
export interface EncodeReply {
  seq: number;
  packets: Uint8Array;
  lengths: number[];
}

/** One decoded frame, or null when libopus rejected the packet. */
export interface DecodeReply {
  seq: number;
  pcm: Int16Array | null;
}

export interface ErrorReply {
  seq: number;
  error: string;
}

export interface CpuReply {
  seq: number;
  cpuUs: number;
}

export type CodecReply = EncodeReply | DecodeReply | CpuReply | ErrorReply;
