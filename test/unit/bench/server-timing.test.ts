import { describe, expect, it } from 'vitest';
import { aggregateRoundTrips, roundTripsFromHeaders } from '../../../bench/round-trips';
import { parseServerTiming } from '../../../bench/server-timing';

describe('parseServerTiming', () => {
  it('reads names, durations and quoted descriptions', () => {
    expect(
      parseServerTiming('topn;dur=1.5, ann;dur=3;desc="vector, 1 call", total;dur=7.25'),
    ).toEqual([
      { name: 'topn', dur: 1.5 },
      { name: 'ann', dur: 3, desc: 'vector, 1 call' },
      { name: 'total', dur: 7.25 },
    ]);
  });
  it('keeps a metric without a valid duration, and ignores empty input', () => {
    expect(parseServerTiming('miss;dur=abc;desc=x')).toEqual([{ name: 'miss', desc: 'x' }]);
    expect(parseServerTiming(null)).toEqual([]);
    expect(parseServerTiming(' , ')).toEqual([]);
  });
});

describe('round trips', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it('prefers an explicit round-trip header', () => {
    expect(
      roundTripsFromHeaders(headers({ 'x-edgerec-round-trips': 'kv=1, redis=1, vector=0' })),
    ).toEqual({
      kv: 1,
      redis: 1,
      vector: 0,
    });
  });
  it('counts store metrics of Server-Timing, and says null when there are none', () => {
    expect(
      roundTripsFromHeaders(
        headers({
          'server-timing':
            'kv;dur=1, redis;dur=2, vector;dur=3;desc="2 calls", ann;dur=1, rank;dur=0.1',
        }),
      ),
    ).toEqual({ kv: 1, redis: 1, vector: 3 });
    expect(
      roundTripsFromHeaders(headers({ 'server-timing': 'topn;dur=1, total;dur=2' })),
    ).toBeNull();
  });
  it('aggregates mean and maximum over answers', () => {
    const agg = aggregateRoundTrips([
      { kv: 1, redis: 1, vector: 0 },
      null,
      { kv: 1, redis: 2, vector: 1 },
    ]);
    expect(agg).toEqual({
      measured: 2,
      mean: { kv: 1, redis: 1.5, vector: 0.5 },
      max: { kv: 1, redis: 2, vector: 1 },
    });
    expect(aggregateRoundTrips([null])).toBeNull();
  });
});
