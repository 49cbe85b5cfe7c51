import { describe, expect, it } from 'vitest';
import {
  isEligible,
  rankCandidates,
  similarity,
  type ScoredCandidate,
} from '../../../shared/pipeline/rank';

function cand(
  itemId: string,
  score: number,
  category: string,
  extra: Partial<ScoredCandidate> = {},
): ScoredCandidate {
  const axis = category === 'a' ? [1, 0] : [0, 1];
  return {
    itemId,
    score,
    sources: ['topn'],
    categories: [category],
    fresh: false,
    ageDays: 10,
    vector: axis,
    ...extra,
  };
}

const rules = {
  k: 4,
  diversity: 0,
  freshnessBoost: 0,
  freshnessDays: 7,
  categoryCap: 1,
  providerCap: 1,
};
// Scores favour category a heavily.
const pool = [
  cand('a1', 1.0, 'a'),
  cand('a2', 0.95, 'a'),
  cand('a3', 0.9, 'a'),
  cand('a4', 0.85, 'a'),
  cand('b1', 0.5, 'b'),
  cand('b2', 0.4, 'b'),
];

describe('rankCandidates', () => {
  it('is the score order when diversity is 0 and no cap applies', () => {
    expect(rankCandidates(pool, rules).map((r) => r.itemId)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('MMR with high diversity brings in the other category, and marks the rule', () => {
    const out = rankCandidates(pool, { ...rules, diversity: 0.8 });
    expect(out[0]!.itemId).toBe('a1');
    expect(out.map((r) => r.itemId)).toContain('b1');
    expect(out.find((r) => r.itemId === 'b1')!.rules).toContain('diversity');
  });

  it('MMR with little diversity keeps the relevance order', () => {
    expect(rankCandidates(pool, { ...rules, diversity: 0.05 }).map((r) => r.itemId)).toEqual([
      'a1',
      'a2',
      'a3',
      'a4',
    ]);
  });

  it('caps exposure per category, and relaxes the cap rather than return fewer than k', () => {
    const capped = rankCandidates(pool, { ...rules, categoryCap: 0.5 });
    expect(capped.map((r) => r.itemId)).toEqual(['a1', 'a2', 'b1', 'b2']);
    const tight = rankCandidates(pool.slice(0, 5), { ...rules, categoryCap: 0.25 });
    expect(tight.map((r) => r.itemId)).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(tight[2]!.rules).toContain('cap-relaxed');
  });

  it('caps exposure per provider', () => {
    const withProvider = pool.map((c, i) => (i < 3 ? { ...c, provider: 'p' } : c));
    const out = rankCandidates(withProvider, { ...rules, providerCap: 0.25 });
    expect(out.map((r) => r.itemId)).toEqual(['a1', 'a4', 'b1', 'b2']);
  });

  it('boosts fresh items by a share of the score range, decaying with age', () => {
    const fresh = cand('n1', 0.4, 'b', { fresh: true, ageDays: 0 });
    const old = cand('n2', 0.4, 'b', { fresh: true, ageDays: 70 });
    const out = rankCandidates([...pool, fresh, old], { ...rules, freshnessBoost: 1 });
    expect(out.map((r) => r.itemId)).toEqual(['a1', 'n1', 'a2', 'a3']);
    expect(out[1]!.rules).toContain('freshness-boost');
    expect(out[1]!.modelScore).toBe(0.4);
  });
});

describe('eligibility and similarity', () => {
  it('blocks listed ids and enforces the category filter', () => {
    const f = { blocked: new Set(['x']), category: 'a' };
    expect(isEligible(f, 'x', ['a'])).toBe(false);
    expect(isEligible(f, 'y', ['b'])).toBe(false);
    expect(isEligible(f, 'y', ['a', 'b'])).toBe(true);
  });

  it('uses cosine with vectors and Jaccard of categories without', () => {
    expect(similarity(cand('p', 1, 'a'), cand('q', 1, 'a'))).toBeCloseTo(1);
    expect(similarity(cand('p', 1, 'a'), cand('q', 1, 'b'))).toBeCloseTo(0);
    const nv = { vector: null };
    expect(
      similarity(cand('p', 1, 'a', { ...nv, categories: ['a', 'b'] }), cand('q', 1, 'a', nv)),
    ).toBeCloseTo(0.5);
  });
});
