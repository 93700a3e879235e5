import { describe, expect, it } from 'vitest';
import { usageFromTranscription } from '../../src/ai/usage.ts';
import { describeLimit } from '../../src/audio/upload.ts';
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

  it('notifies again the next day and forgets the days before', () => {
    let now = noon;
    const guard = new CostGuard({ cooldownSeconds: 0, dailyBudgetUsd: 1 }, storeSpending(1.5), () => now);
    for (let day = 0; day < 30; day++) {
      expect(guard.firstBudgetRefusalToday('g')).toBe(true);
      expect(guard.firstBudgetRefusalToday('g')).toBe(false);
      now += 86_400_000;
    }
    // Memory stays bounded by the servers refused today, not by every day the process has run.
    expect((guard as unknown as { notifiedDays: Set<string> }).notifiedDays.size).toBe(1);
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

describe('describeLimit', () => {
  it('says a limit under a minute in seconds, never "0 minutes"', () => {
    expect(describeLimit(20_000)).toBe('20 seconds');
    expect(describeLimit(1_000)).toBe('1 second');
    expect(describeLimit(60_000)).toBe('1 minute');
    expect(describeLimit(600_000)).toBe('10 minutes');
    expect(describeLimit(90_000)).toBe('1.5 minutes');
  });
});

describe('usageFromTranscription', () => {
  it('takes token usage as reported, bills duration models by the minute, and estimates when nothing is reported', () => {
    const tokens = usageFromTranscription('gpt-4o-mini-transcribe', { type: 'tokens', input_tokens: 30, output_tokens: 7, total_tokens: 37, input_token_details: { audio_tokens: 25, text_tokens: 5 } }, 3_000, 'x');
    expect(tokens).toEqual({ tokens: { textIn: 5, audioIn: 25, cachedIn: 0, textOut: 7, audioOut: 0 }, estimated: false });
    expect(usageFromTranscription('whisper-1', { type: 'duration', seconds: 90 }, 90_000, 'x').costUsd).toBeCloseTo(0.009, 12);
    expect(usageFromTranscription('gpt-transcribe', undefined, 120_000, 'x')).toMatchObject({ costUsd: 0.009, estimated: true });
    const estimate = usageFromTranscription('gpt-4o-mini-transcribe', undefined, 2_500, 'twelve chars');
    expect(estimate).toEqual({ tokens: { textIn: 0, audioIn: 25, cachedIn: 0, textOut: 3, audioOut: 0 }, estimated: true });
  });
});
