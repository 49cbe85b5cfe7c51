/**
 * Per-key rate limits on the hot path: reads run while the check is in flight (the check is a
 * Redis round trip of its own and must not queue in front of the answer), are still refused when
 * over the limit, and a key known to be over the limit is refused before any work; writes wait
 * for the decision. Outbound Redis REST requests are observed by wrapping the global `fetch`.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../workers/api/app';
import { TEST_URLS } from '../../setup/test-ports';
import { testEnv } from './api-client';
import { seedVersion } from './seed-version';

beforeAll(async () => {
  await seedVersion();
});

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** Redis REST requests made, and the most that were in flight at once. */
function watchRedis() {
  const seen = { requests: 0, inFlight: 0, maxInFlight: 0 };
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(TEST_URLS.redisRest)) return realFetch(input, init);
    seen.requests++;
    seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
    try {
      return await realFetch(input, init);
    } finally {
      seen.inFlight--;
    }
  }) as typeof fetch;
  const reset = () => Object.assign(seen, { requests: 0, inFlight: 0, maxInFlight: 0 });
  return { seen, reset };
}

/**
 * An app whose only key (same secret and scopes as the test key `base`) has an id of its own, so
 * that no other test's requests count against its limit of `perMinute`.
 */
function limitedApp(base: 'test-read' | 'test-write', perMinute: number) {
  const keys = JSON.parse(testEnv.EDGEREC_API_KEYS) as { id: string; scopes: string[] }[];
  const own = { ...keys.find((k) => k.id === base)!, id: `rl-${base}-${crypto.randomUUID()}` };
  const bindings = {
    ...testEnv,
    EDGEREC_RATE_LIMIT_PER_MINUTE: String(perMinute),
    EDGEREC_API_KEYS: JSON.stringify([own]),
  };
  const app = createApp();
  const authorization = `Bearer ${base}-key`;
  return {
    recommend: () =>
      app.request(
        '/v1/users/kv-trips/recommendations?k=5',
        { headers: { Authorization: authorization } },
        bindings,
      ),
    postEvent: (itemId: string) =>
      app.request(
        '/v1/events',
        {
          method: 'POST',
          headers: { Authorization: authorization, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            events: [{ userId: 'rl-writer', itemId, type: 'click', timestamp: Date.now() }],
          }),
        },
        bindings,
      ),
  };
}

async function expectRateLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get('Content-Type')).toContain('application/problem+json');
  expect(((await res.json()) as { type: string }).type).toMatch(/rate-limited$/);
  expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
}

describe('rate limits on reads', () => {
  it('runs the recommendation while the check is in flight, and reports the decision', async () => {
    const { seen, reset } = watchRedis();
    const api = limitedApp('test-read', 1000);
    expect((await api.recommend()).status).toBe(200); // warm: version, model, scripts
    reset();
    const res = await api.recommend();
    expect(res.status).toBe(200);
    expect(res.headers.get('X-RateLimit-Limit')).toBe('1000');
    expect(Number(res.headers.get('X-RateLimit-Remaining'))).toBeLessThan(1000);
    // The limiter's round trip and the serving read overlap instead of queueing one after the other.
    expect(seen.maxInFlight).toBeGreaterThanOrEqual(2);
  });

  it('refuses a read over the limit, then refuses the key at once, without a Redis request', async () => {
    const { seen, reset } = watchRedis();
    const api = limitedApp('test-read', 2);
    expect((await api.recommend()).status).toBe(200);
    expect((await api.recommend()).status).toBe(200);
    await expectRateLimited(await api.recommend());
    reset();
    await expectRateLimited(await api.recommend());
    expect(seen.requests).toBe(0);
  });
});

describe('rate limits on writes', () => {
  it('decides before a write runs: a refused POST sends nothing to Redis but the check', async () => {
    const { seen, reset } = watchRedis();
    const api = limitedApp('test-write', 1);
    expect((await api.postEvent('i01')).status).toBe(202);
    reset();
    await expectRateLimited(await api.postEvent('i02'));
    expect(seen.requests).toBe(1);
  });
});
