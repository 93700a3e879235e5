/** How often polled conditions are re-checked: short enough for audio-paced tests, cheap on 2 cores. */
const POLL_INTERVAL_MS = 5;

/** Default timeout for the fake's `waitFor...` helpers: generous because CI machines are busy. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;

/**
 * Resolves with the first truthy value `probe` returns, re-checking every few milliseconds.
 * Rejects after `timeoutMs` (with `what` in the message so a failing test says what never happened)
 * or as soon as `signal` aborts (the fake was stopped), so no timer outlives the fake.
 */
export function waitUntil<T>(
  probe: () => T | undefined | null | false,
  timeoutMs: number,
  what: string | (() => string),
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const deadline = performance.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const describe = (): string => (typeof what === 'string' ? what : what());
    const finish = (): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      reject(new Error(`FakeDiscord stopped while waiting for ${describe()}`));
    };
    const check = (): void => {
      let value: T | undefined | null | false;
      try {
        value = probe();
      } catch (error) {
        finish();
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (value) {
        finish();
        resolve(value);
      } else if (performance.now() >= deadline) {
        finish();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe()}`));
      } else {
        timer = setTimeout(check, POLL_INTERVAL_MS);
      }
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    check();
  });
}

/** Resolves after `ms` milliseconds (or right away when `signal` aborts). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
