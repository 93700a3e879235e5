/**
 * Keeps spending where the operator set it: a per-member cooldown between questions and a per-server
 * daily budget in estimated dollars. Spend comes from the store (usage of every answer), so limits
 * hold across restarts.
 */
import type { Config } from '../config.ts';
import type { Store } from '../conversation/store.ts';
import { UserError } from '../errors.ts';

const DAY_MS = 86_400_000;

/** Start of the UTC day (budgets reset at 00:00 UTC). */
export function startOfUtcDay(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS;
}

/** "3 h 12 min" / "12 min" / "40 s". */
export function describeWait(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  if (ms < 60_000) return `${Math.max(1, Math.ceil(ms / 1000))} s`;
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

export class CostGuard {
  private readonly lastQuestionAt = new Map<string, number>();
  private readonly notifiedDays = new Set<string>();
  private readonly config: Pick<Config, 'cooldownSeconds' | 'dailyBudgetUsd'>;
  private readonly store: Store;
  private readonly now: () => number;

  constructor(config: Pick<Config, 'cooldownSeconds' | 'dailyBudgetUsd'>, store: Store, now: () => number = Date.now) {
    this.config = config;
    this.store = store;
    this.now = now;
  }

  /** Dollars spent today by the server, from the store. */
  async spentToday(guildId: string): Promise<number> {
    return (await this.store.usageSummary(guildId, startOfUtcDay(this.now()))).costUsd;
  }

  /** The refusal for a server over its daily budget, or undefined while it has budget left. */
  async budgetRefusal(guildId: string): Promise<UserError | undefined> {
    const budget = this.config.dailyBudgetUsd;
    if (budget <= 0 || (await this.spentToday(guildId)) < budget) return undefined;
    const resetsIn = startOfUtcDay(this.now()) + DAY_MS - this.now();
    return new UserError(`This server has used today's Parley budget ($${budget.toFixed(2)}). It resets at 00:00 UTC, in ${describeWait(resetsIn)}.`);
  }

  /**
   * Admits a question from a member, or throws a UserError saying when they can ask again. Admission
   * starts the member's cooldown.
   */
  async admitQuestion(guildId: string, userId: string): Promise<void> {
    const refusal = await this.budgetRefusal(guildId);
    if (refusal) throw refusal;
    const key = `${guildId}:${userId}`;
    const cooldownMs = this.config.cooldownSeconds * 1000;
    const last = this.lastQuestionAt.get(key);
    const now = this.now();
    if (last !== undefined && now - last < cooldownMs) {
      throw new UserError(`Please wait ${describeWait(cooldownMs - (now - last))} before asking again.`);
    }
    this.lastQuestionAt.set(key, now);
    if (this.lastQuestionAt.size > 10_000) this.forgetExpired(now, cooldownMs);
  }

  /** True the first time a server is refused for its budget on a given day (to tell moderators once). */
  firstBudgetRefusalToday(guildId: string): boolean {
    const today = startOfUtcDay(this.now());
    const key = `${guildId}:${today}`;
    if (this.notifiedDays.has(key)) return false;
    // Only today's notices matter: earlier days go, so the set holds at most one entry per server.
    for (const old of this.notifiedDays) if (!old.endsWith(`:${today}`)) this.notifiedDays.delete(old);
    this.notifiedDays.add(key);
    return true;
  }

  private forgetExpired(now: number, cooldownMs: number): void {
    for (const [key, at] of this.lastQuestionAt) if (now - at >= cooldownMs) this.lastQuestionAt.delete(key);
  }
}
