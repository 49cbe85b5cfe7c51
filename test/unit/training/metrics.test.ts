import { describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  ndcgAtK,
  precisionAtK,
  rankingMetrics,
  recallAtK,
} from '../../../shared/training/metrics';

// User A: hits at ranks 2 and 5 out of 3 relevant items; user B: a hit at rank 1 of 1 relevant.
const a = { recommended: [1, 2, 3, 4, 5], relevant: new Set([2, 5, 9]) };
const b = { recommended: [7, 8], relevant: new Set([7]) };

describe('metrics at k (Microsoft Recommenders definitions)', () => {
  it('precision divides hits by k, recall by the number of relevant items', () => {
    expect(precisionAtK(a, 5)).toBeCloseTo(2 / 5, 12);
    expect(recallAtK(a, 5)).toBeCloseTo(2 / 3, 12);
    // Fewer than k recommendations still divide by k (precision_at_k: hit / k).
    expect(precisionAtK(b, 5)).toBeCloseTo(1 / 5, 12);
    expect(recallAtK(b, 5)).toBe(1);
  });

  it('nDCG uses binary gains and the ideal DCG over min(k, #relevant)', () => {
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(6);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(a, 5)).toBeCloseTo(dcg / idcg, 12);
    expect(ndcgAtK(a, 5)).toBeCloseTo(0.477627, 5);
    expect(ndcgAtK(b, 5)).toBe(1);
    // With k = 2 only the hit at rank 2 counts and the ideal covers 2 relevant items.
    expect(ndcgAtK(a, 2)).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
  });

  it('MAP@k sums precision at each hit and divides by min(k, #relevant)', () => {
    expect(averagePrecisionAtK(a, 5)).toBeCloseTo((1 / 2 + 2 / 5) / 3, 12);
    expect(averagePrecisionAtK(a, 2)).toBeCloseTo(1 / 2 / 2, 12);
    expect(averagePrecisionAtK(b, 5)).toBe(1);
  });

  it('averages over users and counts catalogue coverage of the first k items', () => {
    const m = rankingMetrics([a, b], 5, 10);
    expect(m.users).toBe(2);
    expect(m.precision).toBeCloseTo((0.4 + 0.2) / 2, 12);
    expect(m.recall).toBeCloseTo((2 / 3 + 1) / 2, 12);
    expect(m.ndcg).toBeCloseTo((0.477627 + 1) / 2, 5);
    expect(m.map).toBeCloseTo((0.3 + 1) / 2, 12);
    expect(m.coverage).toBeCloseTo(7 / 10, 12);
    expect(rankingMetrics([a, b], 1, 10).coverage).toBeCloseTo(2 / 10, 12);
  });

  it('a user without hits or relevant items scores zero, and no users give zeros', () => {
    const none = { recommended: [1, 2], relevant: new Set<number>() };
    expect(ndcgAtK(none, 10)).toBe(0);
    expect(averagePrecisionAtK(none, 10)).toBe(0);
    expect(recallAtK(none, 10)).toBe(0);
    expect(rankingMetrics([], 10, 5)).toMatchObject({ users: 0, ndcg: 0, map: 0 });
  });
});
