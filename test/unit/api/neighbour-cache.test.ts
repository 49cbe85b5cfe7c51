import { describe, expect, it } from 'vitest';
import type { ScoredItem } from '../../../shared/domain/artefacts';
import { MAX_HELD_ROWS, NeighbourCache } from '../../../workers/api/services/neighbour-cache';

const list = (n = 10): ScoredItem[] =>
  Array.from({ length: n }, (_, i) => ({ itemId: `n${i}`, score: 1 - i / n }));

/** Rows set in a hex bitmap: bit r % 4 of hex digit ⌊r / 4⌋. */
const rowsOf = (hex: string) =>
  [...hex].flatMap((digit, d) =>
    [0, 1, 2, 3].filter((b) => (parseInt(digit, 16) >> b) & 1).map((b) => d * 4 + b),
  );

describe('NeighbourCache', () => {
  it('declares the rows it holds as a hex bitmap, and nothing for another version', () => {
    const cache = new NeighbourCache();
    expect(cache.heldRows('v1')).toBeNull();
    for (const [id, row] of [
      ['a', 0],
      ['b', 5],
      ['c', 9],
      ['d', 30],
    ] as const)
      cache.set('v1', id, row, list());
    expect(rowsOf(cache.heldRows('v1')!)).toEqual([0, 5, 9, 30]);
    expect(cache.get('v1', 'b')).toEqual(list());
    expect(cache.heldRows('v2')).toBeNull();
    expect(cache.get('v2', 'b')).toBeUndefined();
    cache.set('v2', 'e', 3, list());
    expect(rowsOf(cache.heldRows('v2')!)).toEqual([3]);
    expect(cache.get('v1', 'a')).toBeUndefined();
  });

  it('clears the bit of a list it drops to stay within its memory bound', () => {
    // Room for two 10-item lists (160 + 10·96 bytes each).
    const cache = new NeighbourCache(2 * 1120 + 50);
    cache.set('v1', 'a', 1, list());
    cache.set('v1', 'b', 2, list());
    cache.get('v1', 'a'); // b is now the least recently used
    cache.set('v1', 'c', 3, list());
    expect(cache.size).toBe(2);
    expect(cache.get('v1', 'b')).toBeUndefined();
    expect(rowsOf(cache.heldRows('v1')!)).toEqual([1, 3]);
  });

  it('holds lists of rows past the bitmap without declaring them', () => {
    const cache = new NeighbourCache();
    cache.set('v1', 'far', MAX_HELD_ROWS + 7, list());
    cache.set('v1', 'near', 2, list());
    expect(cache.get('v1', 'far')).toEqual(list());
    expect(rowsOf(cache.heldRows('v1')!)).toEqual([2]);
  });
});
