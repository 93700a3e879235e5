import { describe, expect, it } from 'vitest';
import { CostGuard, describeWait, startOfUtcDay } from '../../src/cost/guard.ts';
import { DEFAULT_PRICES, estimateCostUsd, parsePriceTable } from '../../src/cost/prices.ts';
import type { Store } from '../../src/conversation/store.ts';

const tokens = { textIn: 1_000_000, audioIn: 1_000_000, cachedIn: 0, textOut: 1_000_000, audioOut: 1_000_000 };

describe('prices', () => {
  it('prices gpt-audio at the published per-1M-token rates', () => {
    expect(estimateCostUsd('gpt-audio', tokens)).toBeCloseTo(2.5 + 32 + 10 + 64, 6);
  });
  it('prices unknown models like gpt-audio (budgets err on the safe side)', () => {
    expect(estimateCostUsd('some-new-model', tokens)).toBe(estimateCostUsd('gpt-audio', tokens));
  });
  it('accepts overrides and rejects malformed tables', () => {
    const parsed = parsePriceTable('{"my-model":{"textIn":1,"audioIn":2,"textOut":3,"audioOut":4}}');
    expect('table' in parsed && parsed.table['my-model']?.audioOut).toBe(4);
    expect('table' in parsed && parsed.table['gpt-audio']).toEqual(DEFAULT_PRICES['gpt-audio']);
    expect(parsePriceTable('{oops')).toHaveProperty('problem');
    expect(parsePriceTable('{"m":{"textIn":-1,"audioIn":2,"textOut":3,"audioOut":4}}')).toHaveProperty('problem');
  });
});

describe('CostGuard', () => {
  const storeSpending = (usd: number) => ({ usageSummary: async () => ({ turns: 1, tokens: tokens, costUsd: usd, byUser: [] }) }) as unknown as Store;
  const noon = Date.UTC(2026, 10, 21, 12, 0, 0);

  it('applies the cooldown per member', async () => {
    let now = noon;
    const guard = new CostGuard({ cooldownSeconds: 10, dailyBudgetUsd: 0 }, storeSpending(0), () => now);
    await guard.admitQuestion('g', 'a');
    await expect(guard.admitQuestion('g', 'a')).rejects.toThrow(/wait 10 s/);
    await guard.admitQuestion('g', 'b');
    now += 10_000;
    await guard.admitQuestion('g', 'a');
  });

  it('refuses over budget with the time until 00:00 UTC, and notifies once a day', async () => {
    const guard = new CostGuard({ cooldownSeconds: 0, dailyBudgetUsd: 1 }, storeSpending(1.5), () => noon);
    await expect(guard.admitQuestion('g', 'a')).rejects.toThrow(/resets at 00:00 UTC, in 12 h 0 min/);
    expect(guard.firstBudgetRefusalToday('g')).toBe(true);
    expect(guard.firstBudgetRefusalToday('g')).toBe(false);
  });

  it('has no limit when the budget is 0', async () => {
    const guard = new CostGuard({ cooldownSeconds: 0, dailyBudgetUsd: 0 }, storeSpending(1_000), () => noon);
    expect(await guard.budgetRefusal('g')).toBeUndefined();
  });

  it('describes waits and days', () => {
    expect(describeWait(400)).toBe('1 s');
    expect(describeWait(125_000)).toBe('3 min');
    expect(describeWait(3 * 3_600_000 + 12 * 60_000)).toBe('3 h 12 min');
    expect(startOfUtcDay(noon)).toBe(Date.UTC(2026, 10, 21));
  });
});
