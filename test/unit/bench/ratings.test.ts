import { describe, expect, it } from 'vitest';
import {
  compareIds,
  formatRatings,
  genreSlug,
  parseItemGenres,
  parseRatings,
  relevantByUser,
  sliceUsers,
  temporalSplit,
} from '../../../bench/ratings';

describe('parseRatings', () => {
  it('reads user, item, rating and unix seconds, skipping blank lines', () => {
    const r = parseRatings('1\t3\t4\t878542960\n\n2\t10\t2.5\t1\r\n');
    expect(r).toEqual([
      { userId: '1', itemId: '3', rating: 4, timestamp: 878542960 },
      { userId: '2', itemId: '10', rating: 2.5, timestamp: 1 },
    ]);
  });
  it('names the file and line of a malformed row', () => {
    expect(() => parseRatings('1\t2\t3\t4\n1\t2\tx\t4\n', 'train.tsv')).toThrow(/train\.tsv:2/);
    expect(() => parseRatings('1\t2\t3\n')).toThrow(/:1:/);
    expect(() => parseRatings('1\t2\t3\t4.5\n')).toThrow();
  });
  it('round-trips through formatRatings', () => {
    const text = '5\t1\t3\t100\n6\t2\t1\t200\n';
    expect(formatRatings(parseRatings(text))).toBe(text);
  });
});

describe('parseItemGenres', () => {
  const genres = "unknown|0\nAction|1\nChildren's|2\nSci-Fi|3\n";
  it('maps genre flags to slugs and drops "unknown"', () => {
    const items = parseItemGenres(
      '1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1|1\n2|Odd|01-Jan-1995||http://y|1|0|0|0\n',
      genres,
    );
    expect(items.get('1')).toEqual({
      title: 'Toy Story (1995)',
      categories: ['childrens', 'sci-fi'],
    });
    expect(items.get('2')?.categories).toEqual([]);
  });
  it('rejects a row with missing flags', () => {
    expect(() => parseItemGenres('1|T|d||u|0|1\n', genres)).toThrow(/u\.item:1/);
  });
  it('slugs genre names', () => {
    expect(genreSlug('Film-Noir')).toBe('film-noir');
    expect(genreSlug("Children's")).toBe('childrens');
  });
});

describe('slicing and splitting', () => {
  const ratings = parseRatings(
    ['10\t1\t5\t50', '2\t1\t4\t10', '2\t2\t3\t30', '1\t3\t1\t20', '10\t2\t2\t40'].join('\n'),
  );
  it('keeps the first users in numeric order', () => {
    expect(
      sliceUsers(ratings, 2)
        .map((r) => r.userId)
        .sort(),
    ).toEqual(['1', '2', '2']);
  });
  it('splits by time', () => {
    const { head, tail } = temporalSplit(ratings, 0.6);
    expect(head.map((r) => r.timestamp)).toEqual([10, 20, 30]);
    expect(tail.map((r) => r.timestamp)).toEqual([40, 50]);
    expect(() => temporalSplit(ratings, 1)).toThrow(RangeError);
  });
  it('groups relevant items by user', () => {
    const rel = relevantByUser(ratings);
    expect([...(rel.get('2') ?? [])]).toEqual(['1', '2']);
    expect(rel.size).toBe(3);
  });
  it('orders ids numerically when both are integers', () => {
    expect(['10', '9', 'b', 'a'].sort(compareIds)).toEqual(['9', '10', 'a', 'b']);
  });
});
