import { describe, expect, it } from 'vitest';
import {
  pairAnswers,
  relativeChange,
  scoreAnswers,
  scoreNextItems,
} from '../../../bench/ranking-metrics';

describe('scoreAnswers', () => {
  const truth = new Map([
    ['u1', new Set(['a', 'b'])],
    ['u2', new Set(['c'])],
    ['u3', new Set(['d'])],
  ]);
  it('scores served lists with the offline definitions, over users with an answer', () => {
    const answers = new Map([
      ['u1', ['a', 'x', 'b']],
      ['u2', ['y', 'z']],
    ]);
    const m = scoreAnswers(answers, truth, 3, 10);
    expect(m.users).toBe(2);
    // u1: 2 hits of 3; u2: none.
    expect(m.precision).toBeCloseTo((2 / 3 + 0) / 2);
    expect(m.recall).toBeCloseTo((1 + 0) / 2);
    const dcg = 1 + 1 / Math.log2(4);
    const idcg = 1 + 1 / Math.log2(3);
    expect(m.ndcg).toBeCloseTo(dcg / idcg / 2);
    expect(m.map).toBeCloseTo((1 + 2 / 3) / 2 / 2);
    expect(m.coverage).toBeCloseTo(5 / 10);
  });
  it('counts an empty answer as a user scoring zero, and skips users never asked', () => {
    expect(pairAnswers(new Map([['u3', []]]), truth)).toHaveLength(1);
    expect(scoreAnswers(new Map([['u3', []]]), truth, 10, 5).ndcg).toBe(0);
  });
});

describe('scoreNextItems', () => {
  it('gives hit rate and mean reciprocal rank', () => {
    expect(scoreNextItems([0, -1, 1, -1])).toEqual({ events: 4, hitRate: 0.5, mrr: (1 + 0.5) / 4 });
    expect(scoreNextItems([])).toEqual({ events: 0, hitRate: 0, mrr: 0 });
  });
  it('computes a relative change and refuses a zero base', () => {
    expect(relativeChange(0.3, 0.2)).toBeCloseTo(0.5);
    expect(relativeChange(0.3, 0)).toBeNull();
  });
});
