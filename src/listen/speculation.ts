/**
 * Speculative answers in one voice conversation: after a short early silence the answer is requested
 * with the utterance so far, and held; the full silence window confirms it (it plays at once) or the
 * member's next words withdraw it (aborted, nothing played or stored, the utterance goes on as one turn).
 * One speculative start per member at a time; every start is counted as used or wasted.
 */
interface Pending {
  resolve(confirmed: boolean): void;
}

export class SpeculativeStarts {
  private readonly pending = new Map<string, Pending>();
  private readonly record: (confirmed: boolean) => void;

  /** `record` counts each start as it settles (metrics and /usage). */
  constructor(record: (confirmed: boolean) => void) {
    this.record = record;
  }

  /** Whether a speculative start for `userId` is waiting for its confirmation. */
  has(userId: string): boolean {
    return this.pending.has(userId);
  }

  /** Any speculative start waiting. */
  get size(): number {
    return this.pending.size;
  }

  /** Registers a start for `userId`; the promise is the turn's hold (true = play, false = withdrawn). */
  begin(userId: string): Promise<boolean> {
    this.withdraw(userId);
    return new Promise<boolean>((resolve) => this.pending.set(userId, { resolve }));
  }

  /** The turn ended as speculated: the held answer plays. False when there was no start to confirm. */
  confirm(userId: string): boolean {
    return this.settle(userId, true);
  }

  /** The member spoke again (or listening stopped): the held answer is dropped and counted as wasted. */
  withdraw(userId: string): boolean {
    return this.settle(userId, false);
  }

  withdrawAll(): void {
    for (const userId of [...this.pending.keys()]) this.withdraw(userId);
  }

  private settle(userId: string, confirmed: boolean): boolean {
    const pending = this.pending.get(userId);
    if (!pending) return false;
    this.pending.delete(userId);
    this.record(confirmed);
    pending.resolve(confirmed);
    return true;
  }
}
