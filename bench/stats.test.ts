import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './stats.ts';

describe('percentile', () => {
  it('interpolates between closest ranks', () => {
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([10, 20], 50)).toBe(15);
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5);
  });

  it('is NaN without samples', () => {
    expect(percentile([], 95)).toBeNaN();
    expect(summarize([]).p50).toBeNaN();
  });
});
