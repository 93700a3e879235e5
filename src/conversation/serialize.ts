/** Default number of tasks that may wait behind the running one in a channel. */
export const DEFAULT_MAX_QUEUED = 4;

/** Rejected by {@link ChannelLocks.run} when a channel already has `maxQueued` tasks waiting. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  readonly channelId: string;
  readonly maxQueued: number;

  constructor(channelId: string, maxQueued: number) {
    super(`Channel ${channelId} already has ${maxQueued} turn(s) waiting`);
    this.channelId = channelId;
    this.maxQueued = maxQueued;
  }
}

interface Lane {
  running: boolean;
  waiting: (() => void)[];
}

/**
 * Serializes work per channel: at most one task per channel runs at a time, in arrival order,
 * while different channels run concurrently. Turns in one conversation must not interleave,
 * or an answer could be stored before the question it answers.
 */
export class ChannelLocks {
  readonly maxQueued: number;
  readonly #lanes = new Map<string, Lane>();

  /** @param options.maxQueued tasks allowed to wait per channel (the running one not counted). */
  constructor(options: { maxQueued?: number } = {}) {
    const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (!Number.isInteger(maxQueued) || maxQueued < 0) {
      throw new RangeError(`maxQueued must be a non-negative integer, got ${maxQueued}`);
    }
    this.maxQueued = maxQueued;
  }

  /**
   * Runs `task` once every earlier task of the channel has settled, and settles like it.
   * A failing task does not block the ones behind it.
   * @returns a promise rejected with {@link QueueFullError} (and `task` never run) when the
   *   channel already has `maxQueued` tasks waiting.
   */
  run<T>(channelId: string, task: () => Promise<T>): Promise<T> {
    let lane = this.#lanes.get(channelId);
    if (lane === undefined) {
      lane = { running: false, waiting: [] };
      this.#lanes.set(channelId, lane);
    }
    if (lane.running && lane.waiting.length >= this.maxQueued) {
      return Promise.reject(new QueueFullError(channelId, this.maxQueued));
    }
    const ownLane = lane;
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        ownLane.running = true;
        let outcome: Promise<T>;
        try {
          outcome = Promise.resolve(task());
        } catch (error) {
          outcome = Promise.reject(error);
        }
        outcome.then(resolve, reject).finally(() => this.#startNext(channelId, ownLane));
      };
      if (ownLane.running) ownLane.waiting.push(start);
      else start();
    });
  }

  /** Whether any channel has a task running or waiting. */
  get busy(): boolean {
    return this.#lanes.size > 0;
  }

  /**
   * Resolves true once no task runs anywhere (shutdown waits for turns to store themselves), or
   * false after `timeoutMs`.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.busy) {
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  /** Tasks of the channel running or waiting (0 when idle). */
  pending(channelId: string): number {
    const lane = this.#lanes.get(channelId);
    if (lane === undefined) return 0;
    return (lane.running ? 1 : 0) + lane.waiting.length;
  }

  #startNext(channelId: string, lane: Lane): void {
    const next = lane.waiting.shift();
    if (next !== undefined) {
      next();
      return;
    }
    lane.running = false;
    // Forget idle channels so the map does not grow with every channel ever seen.
    if (this.#lanes.get(channelId) === lane) this.#lanes.delete(channelId);
  }
}
