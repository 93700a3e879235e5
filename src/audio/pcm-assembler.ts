/**
 * Turns arbitrary byte chunks of s16le PCM (e.g. decoded base64 deltas from the OpenAI
 * realtime API, which may split a sample across chunks) into whole Int16 samples.
 */
export class Pcm16Assembler {
  /** The odd byte left over from the previous push, or -1 when there is none. */
  private pendingByte = -1;

  /** Number of bytes waiting for their partner byte (0 or 1). */
  get pendingBytes(): number {
    return this.pendingByte < 0 ? 0 : 1;
  }

  /**
   * Appends bytes and returns every sample now complete (a fresh array, possibly empty).
   * An odd trailing byte is kept for the next push.
   */
  push(bytes: Uint8Array): Int16Array {
    if (bytes.byteLength === 0) return new Int16Array(0);
    const carried = this.pendingByte < 0 ? 0 : 1;
    const total = carried + bytes.byteLength;
    const sampleCount = total >> 1;
    const out = new Int16Array(sampleCount);
    let readIndex = 0;
    for (let i = 0; i < sampleCount; i++) {
      let low: number;
      if (i === 0 && carried === 1) {
        low = this.pendingByte;
      } else {
        low = bytes[readIndex++]!;
      }
      const high = bytes[readIndex++]!;
      // Sign-extend the 16-bit value through the Int16Array store.
      out[i] = low | (high << 8);
    }
    this.pendingByte = total % 2 === 1 ? bytes[bytes.byteLength - 1]! : -1;
    return out;
  }

  /** Drops any pending partial sample (call between unrelated streams). */
  reset(): void {
    this.pendingByte = -1;
  }
}
