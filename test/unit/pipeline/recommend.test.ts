import { describe, expect, it } from 'vitest';
import type { Item } from '../../../shared/domain/items';
import { benchInput } from '../../../shared/pipeline/bench-pipeline';
import { rankRequested, recommend } from '../../../shared/pipeline/recommend';
import { baseInput, NOW } from './fixtures';

const ids = (input = baseInput()) => recommend(input).items.map((i) => i.itemId);

describe('recommend (pure pipeline)', () => {
  it('keeps the model order when no rule applies (diversity 0)', () => {
    expect(ids()).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('removes consumed, recent, seen, hidden and excluded items', () => {
    const input = baseInput({
      consumed: ['a1'],
      recent: [{ itemId: 'b1', type: 'view', weight: 1, timestamp: NOW }],
      hidden: ['a2'],
      exclude: ['b2'],
      k: 3,
    });
    input.topN!.seen = ['a3'];
    expect(ids(input)).toEqual(['b3', 'a4', 'b4']);
  });

  it('keeps consumed items when re-consumption is allowed', () => {
    expect(ids(baseInput({ consumed: ['a1'], allowReconsumption: true }))[0]).toBe('a1');
  });

  it('filters by category', () => {
    expect(ids(baseInput({ category: 'b' }))).toEqual(['b1', 'b2', 'b3', 'b4']);
  });

  it('proposes neighbours of session items with their similarity and names the seed with explain', () => {
    const input = baseInput({
      topN: null,
      userVector: null,
      recent: [{ itemId: 'a6', type: 'like', weight: 4, timestamp: NOW }],
      neighbours: new Map([
        [
          'a6',
          [
            { itemId: 'a5', score: 0.9 },
            { itemId: 'b6', score: 0.2 },
          ],
        ],
      ]),
      explain: true,
      k: 2,
    });
    const out = recommend(input);
    expect(out.items[0]).toMatchObject({ itemId: 'a5', sources: ['session'] });
    expect(out.items[0]!.reasons?.becauseOf).toBe('a6');
    expect(out.fallback).toBe(false);
  });

  it('falls back to trending, then popular, when no personalised source has anything', () => {
    const out = recommend(
      baseInput({ topN: null, userVector: null, trending: [{ itemId: 'b5', score: 3 }], k: 3 }),
    );
    expect(out.fallback).toBe(true);
    expect(out.items.map((i) => i.itemId)).toEqual(['b5', 'a1', 'a2']);
    expect(out.items[0]!.sources).toEqual(['trending']);
    expect(out.items[1]!.sources).toEqual(['popular']);
  });

  it('scores a fresh item with the provisional vector and lets the freshness boost surface it', () => {
    const fresh: Item = {
      itemId: 'new1',
      categories: ['a'],
      tags: [],
      createdAt: NOW - 3_600_000,
      hidden: false,
      attributes: {},
      updatedAt: NOW,
    };
    const plain = recommend(baseInput({ fresh: [fresh], topN: null, k: 12 }));
    const item = plain.items.find((i) => i.itemId === 'new1');
    expect(item?.sources).toEqual(['fresh']);
    // The provisional vector is the centroid of category a, so user·vector is about 1.
    expect(item!.score).toBeGreaterThan(0.9);
    const boosted = recommend(
      baseInput({
        fresh: [fresh],
        topN: null,
        k: 1,
        rules: { freshnessBoost: 1, freshnessDays: 7, categoryCap: 1, providerCap: 1 },
      }),
    );
    expect(boosted.items[0]!.itemId).toBe('new1');
  });

  it('explains with feature contributions that add up for the identity scorer', () => {
    const out = recommend(baseInput({ explain: true, k: 1 }));
    const reasons = out.items[0]!.reasons!;
    expect(reasons.contributions[0]).toMatchObject({
      feature: 'base_score',
      value: 1,
      contribution: 1,
    });
    expect(reasons.modelScore).toBe(1);
  });
});

describe('rankRequested (personalised ranking of given items)', () => {
  it('scores each item exactly as a recommendation candidate, whatever the request order', () => {
    const input = { ...benchInput(11), explain: true };
    const recommended = recommend({ ...input, k: 40 }).items;
    const asked = recommended.map((i) => i.itemId).reverse();
    const { items, unranked } = rankRequested(input, asked);
    expect(unranked).toEqual([]);
    // Same model scores and sources as the recommendation gave them (the freshness boost is a
    // share of the list's own score range); the list back in score order.
    const byId = new Map(recommended.map((i) => [i.itemId, i]));
    expect(recommended.some((i) => i.sources.includes('fresh'))).toBe(true);
    for (const item of items) {
      expect(item.reasons!.modelScore).toBe(byId.get(item.itemId)!.reasons!.modelScore);
      expect(item.sources).toEqual(byId.get(item.itemId)!.sources);
    }
    const scores = items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(items).toHaveLength(asked.length);
  });

  it('without a served model, returns every item it cannot score apart, none dropped', () => {
    const fresh: Item = {
      itemId: 'new1',
      categories: ['a'],
      tags: [],
      createdAt: NOW,
      hidden: false,
      attributes: {},
      updatedAt: NOW,
    };
    const input = baseInput({ model: null, topN: null, userVector: null, fresh: [fresh] });
    const { items, unranked } = rankRequested(input, ['a1', 'new1', 'b2']);
    expect(items.map((i) => i.itemId)).toEqual(['new1']);
    expect(unranked).toEqual([
      { itemId: 'a1', reason: 'unscored' },
      { itemId: 'b2', reason: 'unscored' },
    ]);
  });

  it('ranks consumed items, ignores caps and k, and sets unscored and hidden items apart', () => {
    const input = baseInput({ consumed: ['a1'], hidden: ['b1'], k: 1, diversity: 1 });
    input.rules.categoryCap = 0.1;
    const { items, unranked } = rankRequested(input, ['zz', 'b2', 'b1', 'a1', 'a2']);
    expect(items.map((i) => i.itemId)).toEqual(['a1', 'a2', 'b2']);
    expect(unranked).toEqual([
      { itemId: 'zz', reason: 'unscored' },
      { itemId: 'b1', reason: 'hidden' },
    ]);
  });
});
