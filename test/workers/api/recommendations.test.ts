import { beforeAll, describe, expect, it } from 'vitest';
import { clientFor } from './api-client';
import { SEED_VERSION, seedVersion, topNPart } from './seed-version';

const read = clientFor('read');

beforeAll(async () => {
  await seedVersion();
});

describe('GET /v1/users/{userId}/recommendations', () => {
  it('answers a cached user from the top-N in the model order, without seen items', async () => {
    const res = await read.v1.users[':userId'].recommendations.$get({
      param: { userId: 'kv-drama' },
      query: { k: '5' },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.userId).toBe('kv-drama');
    expect(body.modelVersion).toBe(SEED_VERSION);
    expect(body.degraded).toEqual([]);
    const { got, want } = topNPart(
      body.items.map((i) => i.itemId),
      'kv-drama',
    );
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(got).toEqual(want);
    expect(body.items[0]!.sources).toContain('topn');
    expect(res.headers.get('Cache-Control')).toBe('private, no-store');
    expect(res.headers.get('Vary')).toContain('Authorization');
    const timing = res.headers.get('Server-Timing') ?? '';
    for (const stage of ['kv', 'redis', 'scoring', 'ranking', 'total'])
      expect(timing).toContain(stage);
  });
});
