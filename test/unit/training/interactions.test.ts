import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../shared/domain/events';
import {
  interactionsFromColumns,
  interactionsFromEvents,
} from '../../../shared/training/interactions';
import { createRng, shuffleInPlace } from '../../../shared/training/random';
import type { Interactions } from '../../../shared/training/types';
import { splitPerItem } from '../../../shared/training/validation-split';

const DAY = 24 * 3600 * 1000;
const ev = (userId: string, itemId: string, type: string, timestamp: number, value?: number) =>
  ({
    id: `${userId}-${itemId}-${timestamp}`,
    userId,
    itemId,
    type,
    timestamp,
    value,
  }) as StoredEvent;

/** Entries as {user, item, value, ts} for readable assertions. */
const entries = (d: Interactions) =>
  Array.from(d.rows, (r, e) => ({
    user: d.userIds[r],
    item: d.itemIds[d.cols[e]!],
    value: d.values[e],
    ts: d.timestamps[e],
  }));

describe('interactionsFromEvents', () => {
  const weights = { view: 1, click: 2, rating: 1, dislike: 0 };

  it('weights event types, multiplies ratings by their value, drops weight 0 and sums duplicates', () => {
    const d = interactionsFromEvents(
      [
        ev('u1', 'a', 'view', 1000),
        ev('u1', 'a', 'click', 3000),
        ev('u1', 'b', 'rating', 2000, 4),
        ev('u2', 'a', 'dislike', 5000),
        ev('u2', 'c', 'view', 4000),
      ],
      { weights },
    );
    expect(d.userIds).toEqual(['u1', 'u2']);
    expect(entries(d)).toEqual([
      { user: 'u1', item: 'a', value: 3, ts: 3000 },
      { user: 'u1', item: 'b', value: 4, ts: 2000 },
      { user: 'u2', item: 'c', value: 1, ts: 4000 },
    ]);
  });

  it('ignores unknown event types unless a default weight is given', () => {
    const events = [ev('u1', 'a', 'share', 1), ev('u1', 'b', 'view', 1)];
    expect(interactionsFromEvents(events, { weights }).values.length).toBe(1);
    expect(
      entries(interactionsFromEvents(events, { weights, defaultWeight: 3 })).map((e) => e.value),
    ).toEqual([3, 1]);
  });

  it('halves a contribution per half-life of age, counted from the latest event', () => {
    const d = interactionsFromEvents(
      [
        ev('u1', 'a', 'click', 0),
        ev('u1', 'b', 'click', 10 * DAY),
        ev('u1', 'c', 'view', 20 * DAY),
      ],
      { weights, halfLifeDays: 10 },
    );
    expect(Array.from(d.values)).toEqual([0.5, 1, 1]);
    const e = interactionsFromEvents([ev('u1', 'a', 'view', 0)], {
      weights,
      halfLifeDays: 5,
      referenceTime: 10 * DAY,
    });
    expect(e.values[0]).toBeCloseTo(0.25, 6);
  });
});

describe('interactionsFromColumns', () => {
  it('keeps positive values, orders by user then item and sums duplicates', () => {
    const d = interactionsFromColumns(
      ['u2', 'u1', 'u1', 'u2', 'u1'],
      ['x', 'y', 'x', 'x', 'y'],
      [1, 2, 3, 4, 0],
      [10, 20, 30, 40, 50],
    );
    expect(d.userIds).toEqual(['u1', 'u2']);
    expect(d.itemIds).toEqual(['x', 'y']);
    expect(entries(d)).toEqual([
      { user: 'u1', item: 'x', value: 3, ts: 30 },
      { user: 'u1', item: 'y', value: 2, ts: 20 },
      { user: 'u2', item: 'x', value: 5, ts: 40 },
    ]);
  });

  it('builds the same matrix and the same validation split whatever order the rows arrive in', () => {
    const rng = createRng(7);
    const rows = Array.from({ length: 400 }, (_, e) => ({
      user: `u${rng.int(40)}`,
      item: `i${rng.int(30)}`,
      value: 1 + (e % 5),
      ts: 1000 + e,
    }));
    const build = (order: typeof rows) =>
      interactionsFromColumns(
        order.map((r) => r.user),
        order.map((r) => r.item),
        order.map((r) => r.value),
        order.map((r) => r.ts),
      );
    const perm = shuffleInPlace(Int32Array.from(rows.keys()), createRng(11));
    const shuffled = Array.from(perm, (i) => rows[i]!);
    const a = build(rows);
    const b = build(shuffled);
    expect(shuffled.map((r) => r.ts)).not.toEqual(rows.map((r) => r.ts));
    expect(b.userIds).toEqual(a.userIds);
    expect(b.itemIds).toEqual(a.itemIds);
    expect(entries(b)).toEqual(entries(a));
    expect(entries(splitPerItem(b, 0.2, 42).holdout)).toEqual(
      entries(splitPerItem(a, 0.2, 42).holdout),
    );
  });

  it('rejects columns of different lengths', () => {
    expect(() => interactionsFromColumns(['u'], ['i', 'j'], [1], [1])).toThrow(RangeError);
  });
});
