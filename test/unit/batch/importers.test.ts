import { describe, expect, it } from 'vitest';
import { csvFields } from '../../../batch/import/csv-fields';
import { genericCsv, parseTimestamp } from '../../../batch/import/generic-csv';
import { jsonLines } from '../../../batch/import/jsonl';
import { parseEventLines } from '../../../batch/import/line-parser';
import {
  genreCategory,
  movieLensRatings,
  parseMovieLensItems,
} from '../../../batch/import/movielens';
import { normalizeEvent } from '../../../batch/import/normalize-event';
import { normaliseEvents } from '../../../workers/api/services/ingest-service';
import { derivedEventId } from '../../../shared/domain/event-ids';
import { parseMoviesCsv, ratingsCsv } from '../../../batch/import/ratings-csv';

const NOW = Date.UTC(2026, 0, 1);

describe('csvFields', () => {
  it('splits quoted fields with commas and doubled quotes', () => {
    expect(csvFields('1,"American President, The (1995)",Comedy|Drama')).toEqual([
      '1',
      'American President, The (1995)',
      'Comedy|Drama',
    ]);
    expect(csvFields('a,"say ""hi""",')).toEqual(['a', 'say "hi"', '']);
  });
});

describe('MovieLens ratings', () => {
  it('reads u.data (tabs) and ratings.dat (::) lines into rating events in ms', () => {
    const { events, skipped } = parseEventLines(movieLensRatings, [
      '196\t242\t3\t881250949',
      '1::1193::5::978300760',
      '',
      '12\tbad\tx\t1',
    ]);
    expect(skipped).toBe(1);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      userId: '196',
      itemId: '242',
      type: 'rating',
      value: 3,
      timestamp: 881250949000,
    });
    expect(events[1]).toMatchObject({
      userId: '1',
      itemId: '1193',
      value: 5,
      timestamp: 978300760000,
    });
    expect(events[0]!.id).toBe(
      derivedEventId({ userId: '196', itemId: '242', type: 'rating', timestamp: 881250949000 }),
    );
  });

  it('reads u.item genre flags and release dates into items with categories', () => {
    const flags = (set: number[]) =>
      Array.from({ length: 19 }, (_, i) => (set.includes(i) ? '1' : '0')).join('|');
    const text = [
      `1|Toy Story (1995)|01-Jan-1995||http://example.invalid/|${flags([3, 4, 5])}`,
      `2|Unknown thing|||http://example.invalid/|${flags([0])}`,
      '3::Heat (1995)::Action|Crime|Thriller',
    ].join('\n');
    const items = parseMovieLensItems(text, NOW);
    expect(items.map((i) => i.itemId)).toEqual(['1', '2', '3']);
    expect(items[0]!.categories).toEqual(['animation', 'childrens', 'comedy']);
    expect(items[0]!.createdAt).toBe(Date.UTC(1995, 0, 1));
    expect(items[1]!.categories).toEqual([]);
    expect(items[1]!.createdAt).toBe(NOW);
    expect(items[2]!.categories).toEqual(['action', 'crime', 'thriller']);
    expect(genreCategory('Sci-Fi')).toBe('sci-fi');
    expect(genreCategory('Film-Noir')).toBe('film-noir');
  });
});

describe('MovieLens latest CSV', () => {
  it('reads ratings.csv by its header and movies.csv with quoted titles', () => {
    const { events } = parseEventLines(ratingsCsv, [
      'userId,movieId,rating,timestamp',
      '1,31,2.5,1260759144',
    ]);
    expect(events[0]).toMatchObject({
      userId: '1',
      itemId: '31',
      value: 2.5,
      timestamp: 1260759144000,
    });
    const items = parseMoviesCsv(
      'movieId,title,genres\n11,"American President, The (1995)",Comedy|Drama|Romance\n12,Nothing,(no genres listed)\n',
      NOW,
    );
    expect(items[0]).toMatchObject({
      itemId: '11',
      title: 'American President, The (1995)',
      categories: ['comedy', 'drama', 'romance'],
    });
    expect(items[0]!.createdAt).toBe(Date.UTC(1995, 0, 1));
    expect(items[1]!.categories).toEqual([]);
  });

  it('names the missing columns', () => {
    expect(() => parseEventLines(ratingsCsv, ['user,item', '1,2'])).toThrow(/userId, movieId/);
  });
});

describe('generic CSV', () => {
  it('maps columns by header, defaults the type and reads seconds, ms and ISO times', () => {
    const { events, problems } = parseEventLines(genericCsv(NOW), [
      'user_id,item_id,type,value,timestamp,session_id',
      'u1,i1,click,,1700000000,s1',
      'u1,i2,,,1700000000123,',
      'u2,i1,rating,4,2024-01-02T03:04:05Z,',
      'u3,i3,click,,,',
      'bad id!,i1,click,,,',
    ]);
    expect(events).toHaveLength(4);
    expect(events[0]).toMatchObject({ type: 'click', timestamp: 1700000000000, sessionId: 's1' });
    expect(events[1]).toMatchObject({ type: 'view', timestamp: 1700000000123 });
    expect(events[2]).toMatchObject({
      type: 'rating',
      value: 4,
      timestamp: Date.UTC(2024, 0, 2, 3, 4, 5),
    });
    expect(events[3]!.timestamp).toBe(NOW);
    expect(problems).toEqual([{ line: 6, reason: expect.stringMatching(/userId/) }]);
    expect(parseTimestamp(' ')).toBeUndefined();
  });
});

describe('ids of imported events', () => {
  const lines = [
    'userId,itemId,type,timestamp',
    'u1,i1,click,',
    'u1,i1,click,',
    'u1,i2,click,1700000000',
  ];

  it('keeps repeated lines without a time apart, and repeats them when the file comes again', () => {
    const once = parseEventLines(genericCsv(NOW, 'import:/data/clicks.csv'), lines).events;
    const again = parseEventLines(genericCsv(NOW + 60_000, 'import:/data/clicks.csv'), lines);
    expect(new Set(once.map((e) => e.id)).size).toBe(3);
    expect(again.events.map((e) => e.id)).toEqual(once.map((e) => e.id));
    expect(once[0]!.id).toMatch(/^k-[0-9a-f]{32}$/);
    // A line with a time gets the id the API gives that event, whichever file it is in.
    const elsewhere = parseEventLines(genericCsv(NOW, 'import:/other.csv'), lines).events;
    expect(elsewhere[2]!.id).toBe(once[2]!.id);
    expect(elsewhere[0]!.id).not.toBe(once[0]!.id);
    // Without a file key, one key per import time: repeated lines still stay apart.
    const plain = parseEventLines(genericCsv(NOW), lines).events;
    expect(new Set(plain.map((e) => e.id)).size).toBe(3);
  });
});

describe('JSON lines', () => {
  it('validates each line like an API event and keeps ids', () => {
    const { events, problems } = parseEventLines(jsonLines(NOW), [
      '{"id":"e1","userId":"u","itemId":"i","type":"purchase"}',
      '{"userId":"u","itemId":"i","type":"Purchase"}',
      'not json',
    ]);
    expect(events).toEqual([
      { id: 'e1', userId: 'u', itemId: 'i', type: 'purchase', timestamp: NOW },
    ]);
    expect(problems.map((p) => p.line)).toEqual([2, 3]);
  });

  it('derives the same id for the same event, and a different one otherwise', () => {
    const a = normalizeEvent({ userId: 'u', itemId: 'i', type: 'view', timestamp: 5 }, NOW);
    const b = normalizeEvent({ userId: 'u', itemId: 'i', type: 'view', timestamp: 5 }, NOW);
    const c = normalizeEvent({ userId: 'u', itemId: 'i', type: 'view', timestamp: 6 }, NOW);
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(c.id);
    // The id the API gives the same event, so that it is stored once whichever way it comes.
    expect(a.id).toBe(
      normaliseEvents([{ userId: 'u', itemId: 'i', type: 'view', timestamp: 5 }], {}, null, NOW)[0]!
        .id,
    );
    expect(a.id).toMatch(/^d-[0-9a-f]{32}$/);
  });
});
