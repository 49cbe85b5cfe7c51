import { beforeAll, describe, expect, it } from 'vitest';
import { clientFor } from './api-client';
import { SEED_VERSION, seedVersion } from './seed-version';

beforeAll(async () => {
  await seedVersion();
});

describe('GET /health', () => {
  it('is public and says which dependencies answer', async () => {
    const res = await clientFor('read').health.$get({}, { headers: { Authorization: '' } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      status: 'ok',
      modelVersion: SEED_VERSION,
      dependencies: { redis: 'ok', kv: 'ok', vector: 'ok' },
    });
  });
});
