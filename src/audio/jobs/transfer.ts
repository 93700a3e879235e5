/**
 * Moving bytes between threads without copying them: a buffer's memory can be transferred only
 * when the buffer spans all of it (small Buffers share Node's 8 KB pool with unrelated data).
 */

/** A Uint8Array that owns all of its ArrayBuffer: `bytes` itself when it does, else a copy. */
export function owning(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  // new Uint8Array(view) copies (Buffer#slice would not: it is a view).
  return whole ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** A Buffer view of bytes that arrived from another thread (structured clone drops the Buffer type). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
