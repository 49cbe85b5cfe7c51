import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_WEIGHTS } from '../../../shared/domain/events';
import { hexDigest } from '../../../shared/digest';
import { derivedEventId, keyedEventId } from '../../../shared/domain/event-ids';
import { eventWeight, normaliseEvents } from '../../../workers/api/services/ingest-service';

describe('event normalisation', () => {
  it('weighs events by type, ratings by their value', () => {
    expect(eventWeight(DEFAULT_EVENT_WEIGHTS, { type: 'purchase' })).toBe(8);
    expect(eventWeight(DEFAULT_EVENT_WEIGHTS, { type: 'rating', value: 4 })).toBe(4);
    expect(eventWeight(DEFAULT_EVENT_WEIGHTS, { type: 'rating', value: -2 })).toBe(0);
    expect(eventWeight(DEFAULT_EVENT_WEIGHTS, { type: 'dislike' })).toBe(0);
    expect(eventWeight(DEFAULT_EVENT_WEIGHTS, { type: 'custom_type' })).toBe(1);
  });

  it('derives the same id for the same (user, item, type, time) and different ids otherwise', async () => {
    const e = { userId: 'u', itemId: 'i', type: 'view', timestamp: 1 };
    const id = derivedEventId(e);
    expect(id).toMatch(/^d-[0-9a-f]{32}$/);
    // The ids the API gave before they were shared with the importer (Web Crypto's SHA-256).
    expect(id).toBe(`d-${(await hexDigest('SHA-256', 'u\u0000i\u0000view\u00001')).slice(0, 32)}`);
    expect(derivedEventId({ ...e })).toBe(id);
    expect(derivedEventId({ ...e, timestamp: 2 })).not.toBe(id);
    expect(derivedEventId({ ...e, userId: 'u2' })).not.toBe(id);
  });

  it('fills in ids and times, parses ISO times, and orders the batch by event time', () => {
    const now = Date.UTC(2026, 0, 5);
    const out = normaliseEvents(
      [
        { userId: 'u', itemId: 'b', type: 'view', timestamp: '2026-01-02T00:00:00Z', id: 'x1' },
        { userId: 'u', itemId: 'a', type: 'like', timestamp: Date.UTC(2026, 0, 1) },
        { userId: 'u', itemId: 'c', type: 'rating', value: 3 },
      ],
      DEFAULT_EVENT_WEIGHTS,
      null,
      now,
    );
    expect(out.map((e) => e.itemId)).toEqual(['a', 'b', 'c']);
    expect(out[1]).toMatchObject({
      id: 'x1',
      timestamp: Date.UTC(2026, 0, 2),
      weight: 1,
      categories: null,
    });
    expect(out[0]!.weight).toBe(4);
    expect(out[2]).toMatchObject({ timestamp: now, weight: 3, value: 3 });
    expect(out[2]!.id).toMatch(/^d-/);
  });

  it('derives ids of events with neither id nor time from the Idempotency-Key, whenever they arrive', () => {
    const inputs = [
      { userId: 'u', itemId: 'a', type: 'view' },
      { userId: 'u', itemId: 'b', type: 'view', timestamp: 7 },
      { userId: 'u', itemId: 'c', type: 'view', id: 'own' },
    ];
    const ids = (now: number, key?: string) =>
      normaliseEvents(inputs, DEFAULT_EVENT_WEIGHTS, null, now, undefined, key)
        .map((e) => [e.itemId, e.id])
        .sort();
    const [first, retry] = [ids(1_000, 'req-1'), ids(2_000, 'req-1')];
    expect(retry).toEqual(first);
    expect(first).toEqual([
      ['a', keyedEventId('req-1', inputs[0]!)],
      ['b', derivedEventId({ ...inputs[1]!, timestamp: 7 })],
      ['c', 'own'],
    ]);
    expect(first[0]![1]).toMatch(/^k-[0-9a-f]{32}$/);
    expect(ids(1_000, 'req-2')[0]).not.toEqual(first[0]);
    // Without a key the id follows the time of arrival, so a retry would count again.
    expect(ids(1_000)[0]).not.toEqual(ids(2_000)[0]);
  });

  it('tags events with the receiving edge location unless they name their own', () => {
    const out = normaliseEvents(
      [
        { userId: 'u', itemId: 'a', type: 'view', timestamp: 1 },
        {
          userId: 'u',
          itemId: 'b',
          type: 'view',
          timestamp: 2,
          context: { colo: 'FRA', device: 'mobile' },
        },
      ],
      DEFAULT_EVENT_WEIGHTS,
      null,
      10,
      'AMS',
    );
    expect(out.map((e) => e.context)).toEqual([{ colo: 'AMS' }, { colo: 'FRA', device: 'mobile' }]);
  });
});
