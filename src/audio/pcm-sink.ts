/**
 * A growable Int16 buffer with a hard ceiling, for decoders that stream into memory: it grows by
 * doubling (no list of small chunks to concatenate at the end) and refuses to pass its cap.
 */
export class CappedPcmSink {
  #samples: Int16Array;
  #length = 0;
  readonly #cap: number;

  /**
   * @param cap most values it may ever hold
   * @param expected values to reserve up front (clamped to the cap)
   */
  constructor(cap: number, expected = 0) {
    this.#cap = cap;
    this.#samples = new Int16Array(Math.min(cap, Math.max(4_096, expected)));
  }

  get length(): number {
    return this.#length;
  }

  /** Appends `pcm`; returns false (and appends nothing) when it would pass the cap. */
  push(pcm: Int16Array): boolean {
    const needed = this.#length + pcm.length;
    if (needed > this.#cap) return false;
    if (needed > this.#samples.length) {
      const grown = new Int16Array(Math.min(this.#cap, Math.max(needed, this.#samples.length * 2)));
      grown.set(this.#samples.subarray(0, this.#length));
      this.#samples = grown;
    }
    this.#samples.set(pcm, this.#length);
    this.#length = needed;
    return true;
  }

  /** The values pushed so far (a view; the sink must not be pushed to afterwards). */
  view(): Int16Array {
    return this.#samples.subarray(0, this.#length);
  }
}
