/**
 * The fuzzer's source of randomness: one seeded generator, so a run is repeated exactly by its seed
 * (the interactions; not the order in which concurrent answers finish).
 */
import { seededRandom } from '../signals.ts';

/** Seed used when `PARLEY_FUZZ_SEED` is not set: a fixed default keeps `npm test` repeatable. */
export const DEFAULT_FUZZ_SEED = 20_250_707;

/** The seed of this run: `PARLEY_FUZZ_SEED` (any integer) or {@link DEFAULT_FUZZ_SEED}. */
export function fuzzSeed(env: Record<string, string | undefined> = process.env): number {
  const fromEnv = Number(env['PARLEY_FUZZ_SEED']);
  return Number.isInteger(fromEnv) && env['PARLEY_FUZZ_SEED'] !== '' ? fromEnv >>> 0 : DEFAULT_FUZZ_SEED;
}

/** Seeded random choices (mulberry32 underneath). */
export class Random {
  readonly seed: number;
  readonly #next: () => number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#next = seededRandom(this.seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.#next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.#next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Random.pick: empty array');
    return items[Math.floor(this.#next() * items.length)]!;
  }

  /** One of `choices`, chosen in proportion to its weight. */
  weighted<T>(choices: readonly (readonly [weight: number, value: T])[]): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.#next() * total;
    for (const [weight, value] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices.at(-1)![1];
  }

  /** `n` random bytes (4 at a time from the generator: a megabyte costs a few milliseconds). */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) out.writeUInt32LE(Math.floor(this.#next() * 4_294_967_296), i);
    for (; i < n; i++) out[i] = Math.floor(this.#next() * 256);
    return out;
  }
}
