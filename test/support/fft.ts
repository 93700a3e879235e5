/**
 * In-place iterative radix-2 complex FFT on split real/imaginary Float64Arrays (test support).
 */

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function twiddles(size: number): { cos: Float64Array; sin: Float64Array } {
  let table = twiddleCache.get(size);
  if (!table) {
    const cos = new Float64Array(size / 2);
    const sin = new Float64Array(size / 2);
    for (let i = 0; i < size / 2; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / size);
      sin[i] = -Math.sin((2 * Math.PI * i) / size);
    }
    table = { cos, sin };
    twiddleCache.clear(); // keep at most one (possibly large) table alive
    twiddleCache.set(size, table);
  }
  return table;
}

/** Smallest power of two >= n. */
export function nextPowerOfTwo(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

/** Forward FFT (e^{-i...} kernel, no scaling). `re.length` must be a power of two. */
export function fftInPlace(re: Float64Array, im: Float64Array): void {
  const size = re.length;
  if (size !== im.length || (size & (size - 1)) !== 0) throw new RangeError('FFT size must be a power of two');
  for (let i = 1, j = 0; i < size; i++) {
    let bit = size >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      t = im[i]!;
      im[i] = im[j]!;
      im[j] = t;
    }
  }
  const { cos, sin } = twiddles(size);
  for (let length = 2; length <= size; length *= 2) {
    const halfLength = length / 2;
    const stride = size / length;
    for (let start = 0; start < size; start += length) {
      for (let k = 0; k < halfLength; k++) {
        const wr = cos[k * stride]!;
        const wi = sin[k * stride]!;
        const a = start + k;
        const b = a + halfLength;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
}
