import { describe, expect, it } from 'vitest';
import type { Promotion } from '../../../shared/domain/promotions';
import { placePromotions, type PromotedGroup } from '../../../shared/pipeline/promote';
import { recommend } from '../../../shared/pipeline/recommend';
import { baseInput, NOW } from './fixtures';

type Entry = { itemId: string; promotion?: string };
const group = (
  promotionId: string,
  slots: number[],
  items: string[],
  members: string[] = items,
): PromotedGroup<Entry> => ({
  promotionId,
  slots,
  members: new Set(members),
  items: items.map((itemId) => ({ itemId, promotion: promotionId })),
});
const placed = (organic: string[], groups: PromotedGroup<Entry>[], k: number) =>
  placePromotions<Entry>(
    organic.map((itemId) => ({ itemId })),
    groups,
    k,
  ).map((e) => e.itemId + (e.promotion === undefined ? '' : `@${e.promotion}`));

describe('placePromotions', () => {
  it('puts the best promoted item at its slot and drops the last organic item', () => {
    expect(placed(['o1', 'o2', 'o3', 'o4'], [group('p', [2], ['x', 'y'])], 4)).toEqual([
      'o1',
      'x@p',
      'o2',
      'o3',
    ]);
  });

  it('counts a promoted item that ranks there anyway, and inserts only what is missing', () => {
    // Slot 1 is unmet at position 1, so x takes it; y, 3rd after that, meets slot 3 itself.
    expect(placed(['o1', 'y', 'o3', 'o4'], [group('p', [1, 3], ['x', 'y'])], 4)).toEqual([
      'x@p',
      'o1',
      'y',
      'o3',
    ]);
    expect(placed(['y', 'o2', 'o3'], [group('p', [2], ['x', 'y'])], 3)).toEqual(['y', 'o2', 'o3']);
  });

  it('never repeats an item: a promoted item is skipped where it would have ranked', () => {
    expect(placed(['o1', 'o2', 'x', 'o4'], [group('p', [1], ['x'])], 4)).toEqual([
      'x@p',
      'o1',
      'o2',
      'o4',
    ]);
  });

  it('gives slots due together in slot order, then by id, the later one the next position', () => {
    const groups = [group('b', [1], ['y']), group('a', [1], ['x']), group('c', [2], ['z'])];
    expect(placed(['o1', 'o2', 'o3', 'o4', 'o5'], groups, 5)).toEqual([
      'x@a',
      'y@b',
      'z@c',
      'o1',
      'o2',
    ]);
  });

  it('gives up the slots of a promotion without eligible items, and stops when items run out', () => {
    expect(placed(['o1', 'o2'], [group('p', [1, 2], [], ['gone'])], 4)).toEqual(['o1', 'o2']);
    expect(placed(['o1'], [group('p', [3], ['x'])], 4)).toEqual(['o1']);
  });
});

describe('recommend with promotions', () => {
  const promotion = (patch: Partial<Promotion> = {}): Promotion => ({
    promotionId: 'spring',
    items: ['b6', 'a6'],
    slots: [2],
    startsAt: NOW - 1000,
    endsAt: null,
    updatedAt: NOW - 1000,
    ...patch,
  });
  const answer = (patch: Parameters<typeof baseInput>[0] = {}) =>
    recommend(baseInput(patch)).items.map(
      (i) => i.itemId + (i.promotion === undefined ? '' : `@${i.promotion}`),
    );

  it('fills the slot with the promotion item the user scores best, keeping k', () => {
    // Outside the top-N the base score is user · item: a6 lies on axis 0, b6 on axis 1.
    const towardsA = answer({ promotions: [promotion()], userVector: [1, 0.5, 0, 0] });
    expect(towardsA).toEqual(['a1', 'a6@spring', 'b1', 'a2']);
    const towardsB = answer({ promotions: [promotion()], userVector: [0.5, 1, 0, 0] });
    expect(towardsB).toEqual(['a1', 'b6@spring', 'b1', 'a2']);
  });

  it('holds promoted items to the same rules: consumed, hidden, excluded, category, unknown', () => {
    const only = (items: string[], patch: Parameters<typeof baseInput>[0] = {}) =>
      answer({ promotions: [promotion({ items })], ...patch });
    const plain = answer();
    expect(only(['a6'], { consumed: ['a6'] })).toEqual(plain);
    expect(only(['a6'], { hidden: ['a6'] })).toEqual(plain);
    expect(only(['a6'], { exclude: ['a6'] })).toEqual(plain);
    expect(only(['nope'])).toEqual(plain);
    expect(only(['a6', 'b6'], { category: 'b' })).toEqual(['b1', 'b6@spring', 'b2', 'b3']);
  });

  it('applies only while the promotion runs', () => {
    const plain = answer();
    expect(answer({ promotions: [promotion({ startsAt: NOW + 1 })] })).toEqual(plain);
    expect(answer({ promotions: [promotion({ endsAt: NOW })] })).toEqual(plain);
    expect(answer({ promotions: [promotion({ endsAt: NOW + 1 })] })).not.toEqual(plain);
  });

  it('leaves an answer alone that meets the slots by itself', () => {
    expect(answer({ promotions: [promotion({ items: ['b1', 'a6'], slots: [2] })] })).toEqual(
      answer(),
    );
  });

  it('names the rule with explain, and scores the item as a candidate', () => {
    const out = recommend(baseInput({ promotions: [promotion({ items: ['a6'] })], explain: true }));
    const promoted = out.items[1]!;
    expect(promoted).toMatchObject({ itemId: 'a6', promotion: 'spring', sources: [] });
    expect(promoted.reasons?.rules).toEqual(['promoted:spring']);
    expect(promoted.reasons?.modelScore).toBe(promoted.score);
    expect(out.items[0]!.reasons?.rules).not.toContain('promoted:spring');
  });

  it('pages through one ranking with offset, promoted slots at their absolute positions', () => {
    const input = { promotions: [promotion({ items: ['a6'], slots: [3] })] };
    const whole = answer({ ...input, k: 6 });
    expect(whole[2]).toBe('a6@spring');
    expect(answer({ ...input, k: 3, offset: 3 })).toEqual(whole.slice(3));
    expect(answer({ ...input, k: 2, offset: 2 })).toEqual(whole.slice(2, 4));
    const page = recommend(baseInput({ ...input, k: 2, offset: 2, explain: true })).items;
    expect(page[0]!.reasons?.rules).toEqual(['promoted:spring']);
    expect(page.every((i) => i.reasons !== undefined)).toBe(true);
  });

  it('explains every item of a page that a promoted slot above it moved down', () => {
    const input = { promotions: [promotion({ items: ['a6'], slots: [1] })] };
    const whole = answer({ ...input, k: 4 });
    expect(whole[0]).toBe('a6@spring');
    const page = recommend(baseInput({ ...input, k: 2, offset: 2, explain: true })).items;
    expect(page.map((i) => i.itemId)).toEqual(whole.slice(2).map((id) => id.split('@')[0]));
    expect(page.map((i) => i.reasons?.rules)).toEqual([[], []]);
  });

  it('draws every page of one k on the same candidates: no repeats, then an end', () => {
    const short = baseInput({ k: 3 });
    short.topN!.items = short.topN!.items.slice(0, 3);
    const page = (offset: number) =>
      recommend({ ...short, offset }).items.map((i) => `${i.itemId}:${i.sources.join('+')}`);
    expect(page(0)).toEqual(['a1:topn', 'b1:topn', 'a2:topn']);
    // A deeper page does not fetch popular items that would have outranked the first page's.
    expect(page(3)).toEqual([]);
  });

  it('lets an item two promotions name meet both, placed once', () => {
    const both = [
      promotion({ promotionId: 'first', items: ['a6'], slots: [1] }),
      promotion({ promotionId: 'second', items: ['a6', 'b6'], slots: [2] }),
    ];
    expect(answer({ promotions: both })).toEqual(['a6@first', 'a1', 'b1', 'a2']);
    const apart = [both[0]!, { ...both[1]!, slots: [1, 2] }];
    expect(answer({ promotions: apart })).toEqual(['a6@first', 'b6@second', 'a1', 'b1']);
  });
});
