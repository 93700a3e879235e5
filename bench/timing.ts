/** Bounded waiting: every wait in the benchmark has a deadline, so a run always finishes. */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Rejects with `what` in the message when `promise` has not settled within `timeoutMs`. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves with the first truthy value of `probe`, checked every `intervalMs`; rejects after `timeoutMs`.
 * A short interval keeps the polling itself from delaying what is measured (timestamps come from the fakes).
 */
export async function pollUntil<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
  intervalMs = 5,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A time budget: how much of it is left, and whether another step of `stepMs` still fits. */
export class Budget {
  readonly #endsAt: number;

  constructor(ms: number) {
    this.#endsAt = performance.now() + ms;
  }

  get remainingMs(): number {
    return Math.max(0, this.#endsAt - performance.now());
  }

  fits(stepMs: number): boolean {
    return this.remainingMs >= stepMs;
  }
}
