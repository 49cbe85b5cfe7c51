import { createExecutionContext, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../shared/ports/rate-limiter';
import { createApp } from '../../../workers/api/app';
import type { ApiBindings, Deps } from '../../../workers/api/app-env';
import { dependenciesFor } from '../../../workers/api/deps';
import { BASE_URL, clientFor, clientWithKey, testEnv as env } from './api-client';
import { seedVersion } from './seed-version';

beforeAll(async () => {
  await seedVersion();
});

type Scope = 'read' | 'write' | 'admin';
/** What the tests read of a response (typed client responses and plain ones alike). */
type AnyResponse = { status: number; headers: Headers; json(): Promise<unknown> };

/** One request per route, each tagged with the scope it needs. */
const ROUTES: {
  scope: Scope;
  name: string;
  call: (c: ReturnType<typeof clientWithKey>) => Promise<AnyResponse>;
  /** Status with a key of its scope when it is not a success (the batch worker is absent: 503). */
  allowed?: number;
}[] = [
  {
    scope: 'read',
    name: 'recommendations',
    call: (c) =>
      c.v1.users[':userId'].recommendations.$get({ param: { userId: 'auth-u' }, query: {} }),
  },
  {
    scope: 'read',
    name: 'rank',
    call: (c) =>
      c.v1.users[':userId'].rank.$post({ param: { userId: 'auth-u' }, json: { items: ['i01'] } }),
  },
  {
    scope: 'read',
    name: 'similar',
    call: (c) => c.v1.items[':itemId'].similar.$get({ param: { itemId: 'i01' }, query: {} }),
  },
  { scope: 'read', name: 'trending', call: (c) => c.v1.trending.$get({ query: {} }) },
  {
    scope: 'read',
    name: 'item',
    call: (c) => c.v1.items[':itemId'].$get({ param: { itemId: 'i01' } }),
  },
  {
    scope: 'write',
    name: 'events',
    call: (c) =>
      c.v1.events.$post({
        json: { events: [{ userId: 'auth-u', itemId: 'i01', type: 'view', id: 'auth-e1' }] },
      }),
  },
  {
    scope: 'write',
    name: 'items',
    call: (c) =>
      c.v1.items[':itemId'].$put({ param: { itemId: 'auth-item' }, json: { categories: ['x'] } }),
  },
  {
    scope: 'write',
    name: 'erase user',
    call: (c) => c.v1.users[':userId'].$delete({ param: { userId: 'auth-erased' } }),
  },
  { scope: 'admin', name: 'admin status', call: (c) => c.v1.admin.status.$get(), allowed: 503 },
  { scope: 'admin', name: 'promotions', call: (c) => c.v1.admin.promotions.$get() },
];

async function expectProblem(res: AnyResponse, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: `https://edgerec.dev/problems/${code}`, status, code });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

describe('auth matrix', () => {
  it.each(ROUTES)('$name: 401 without a key and with an unknown key', async ({ call }) => {
    const none = await call(clientWithKey(''));
    await expectProblem(none, 401, 'unauthorized');
    expect(none.headers.get('WWW-Authenticate')).toContain('Bearer');
    await expectProblem(await call(clientWithKey('not-a-key')), 401, 'unauthorized');
  });

  it.each(ROUTES)(
    '$name: 403 with a key of another scope, allowed with its own',
    async ({ scope, call, allowed }) => {
      for (const other of (['read', 'write', 'admin'] as const).filter((s) => s !== scope)) {
        const body = await expectProblem(await call(clientFor(other)), 403, 'forbidden');
        expect(body.detail).toContain(scope);
      }
      const res = await call(clientFor(scope));
      if (allowed === undefined) expect(res.status).toBeLessThan(300);
      else expect(res.status).toBe(allowed);
    },
  );

  it('keeps /health, /openapi.json and /docs public', async () => {
    const anon = clientWithKey('');
    expect((await anon.health.$get()).status).toBe(200);
    expect((await anon['openapi.json'].$get()).status).toBe(200);
    expect((await anon.docs.$get()).status).toBe(200);
  });
});

describe('problem+json errors', () => {
  it('answers 404 problems for unknown routes', async () => {
    const res = await clientFor('read').v1.users[':userId'].recommendations.$get(
      { param: { userId: 'x' }, query: {} },
      { init: { method: 'PATCH' } },
    );
    await expectProblem(res, 404, 'not-found');
    await expectProblem(await SELF.fetch(`${BASE_URL}/nope`), 404, 'not-found');
  });

  it('names the offending field of an invalid query', async () => {
    const res = await clientFor('read').v1.users[':userId'].recommendations.$get({
      param: { userId: 'u1' },
      query: { k: '1000', diversity: '2' },
    });
    const body = await expectProblem(res, 400, 'validation-failed');
    const paths = (body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['query.k', 'query.diversity']));
  });

  it('rejects an invalid user id in the path', async () => {
    const res = await clientFor('read').v1.users[':userId'].recommendations.$get({
      param: { userId: 'bad id!' },
      query: {},
    });
    const body = await expectProblem(res, 400, 'validation-failed');
    expect((body.errors as { path: string }[])[0]!.path).toBe('param.userId');
  });

  const post = (body: string) =>
    SELF.fetch(`${BASE_URL}/v1/events`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-write-key', 'Content-Type': 'application/json' },
      body,
    });

  it('answers malformed JSON with a 400 problem, never a 500', async () => {
    await expectProblem(await post('{"events": ['), 400, 'malformed-body');
  });

  it('answers a body over the limit with 413', async () => {
    const huge = 'x'.repeat(1024 * 1024 + 10);
    await expectProblem(
      await post(JSON.stringify({ events: [{ userId: huge }] })),
      413,
      'payload-too-large',
    );
  });
});

describe('CORS and rate limits', () => {
  it('answers preflight requests for configured origins', async () => {
    const app = createApp();
    const res = await app.request(
      '/v1/trending',
      {
        method: 'OPTIONS',
        headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'GET' },
      },
      { ...env, EDGEREC_CORS_ORIGINS: 'https://shop.example' },
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('https://shop.example');
    const posting = await app.request(
      '/v1/events',
      {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://shop.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type, idempotency-key',
        },
      },
      { ...env, EDGEREC_CORS_ORIGINS: 'https://shop.example' },
    );
    expect(posting.status).toBe(204);
    const allowed = posting.headers.get('Access-Control-Allow-Headers')!.toLowerCase().split(',');
    expect(allowed.map((h) => h.trim())).toContain('idempotency-key');
    const other = await app.request(
      '/v1/trending',
      {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
      },
      { ...env, EDGEREC_CORS_ORIGINS: 'https://shop.example' },
    );
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('limits requests per key with 429 and Retry-After', async () => {
    const app = createApp();
    // A key of its own (same secret as the read key), so other tests' requests do not count.
    const keys = JSON.parse(env.EDGEREC_API_KEYS) as { id: string; scopes: string[] }[];
    const own = { ...keys.find((k) => k.id === 'test-read')!, id: `rl-${Date.now()}` };
    const limited = {
      ...env,
      EDGEREC_RATE_LIMIT_PER_MINUTE: '2',
      EDGEREC_API_KEYS: JSON.stringify([own]),
    };
    const headers = { Authorization: 'Bearer test-read-key' };
    const statuses: number[] = [];
    let last: AnyResponse | null = null;
    for (let i = 0; i < 3; i++) {
      last = await app.request('/v1/trending?k=1', { headers }, limited);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    await expectProblem(last!, 429, 'rate-limited');
    expect(Number(last!.headers.get('Retry-After'))).toBeGreaterThan(0);
  });

  it('fails open, and says so, when the rate limiter cannot reach Redis', async () => {
    const app = createApp();
    const res = await app.request(
      '/v1/trending?k=1',
      { headers: { Authorization: 'Bearer test-read-key' } },
      { ...env, UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9', EDGEREC_RATE_LIMIT_PER_MINUTE: '5' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('X-RateLimit-Status')).toBe('fail-open');
  });
});

// Per-key rate limits on the hot path: reads run while the check is in flight (the check is a
// Redis round trip of its own and must not queue in front of the answer), are still refused when
// over the limit, and a key known to be over the limit is refused before any work; writes wait
// for the decision. The app's own dependencies are observed (no global `fetch` is replaced).

/**
 * The stack's own dependencies, observed: the order in which the rate-limit check (the real
 * limiter, real Redis) and the state store's reads and writes start and end.
 */
function observedDeps(env: ApiBindings): { deps: Deps; log: string[] } {
  const real = dependenciesFor(env);
  const log: string[] = [];
  const limiter = real.rateLimiter!;
  const rateLimiter: RateLimiter = {
    limit: async (identifier, trip) => {
      log.push('limit:start');
      try {
        return await limiter.limit(identifier, trip);
      } finally {
        log.push('limit:end');
      }
    },
    blockedUntil: (identifier) => limiter.blockedUntil(identifier),
  };
  const state = new Proxy(real.state, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        log.push(`state.${String(property)}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { deps: { ...real, rateLimiter, state }, log };
}

/**
 * An app whose only key (same secret and scopes as the test key `base`) has an id of its own, so
 * that no other test's requests count against its limit of `perMinute`.
 */
function limitedApp(base: 'test-read' | 'test-write', perMinute: number) {
  const keys = JSON.parse(env.EDGEREC_API_KEYS) as { id: string; scopes: string[] }[];
  const own = { ...keys.find((k) => k.id === base)!, id: `rl-${base}-${crypto.randomUUID()}` };
  const bindings = {
    ...env,
    EDGEREC_RATE_LIMIT_PER_MINUTE: String(perMinute),
    EDGEREC_API_KEYS: JSON.stringify([own]),
  };
  let log: string[] = [];
  const app = createApp({
    build: (env) => {
      const observed = observedDeps(env);
      log = observed.log;
      return observed.deps;
    },
  });
  const authorization = `Bearer ${base}-key`;
  return {
    /** What the last request did, in order. */
    log: () => log,
    recommend: () =>
      app.request(
        '/v1/users/kv-trips/recommendations?k=5',
        { headers: { Authorization: authorization } },
        bindings,
      ),
    // With an execution context that the test waits on: an accepted event's fold-in runs after
    // the answer, and I/O left running past the test breaks the next files' isolated storage.
    postEvent: async (itemId: string) => {
      const ctx = createExecutionContext();
      const res = await app.request(
        '/v1/events',
        {
          method: 'POST',
          headers: { Authorization: authorization, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            events: [{ userId: 'rl-writer', itemId, type: 'click', timestamp: Date.now() }],
          }),
        },
        bindings,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    },
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
    const api = limitedApp('test-read', 1000);
    expect((await api.recommend()).status).toBe(200); // warm: version, model, scripts
    const res = await api.recommend();
    expect(res.status).toBe(200);
    expect(res.headers.get('X-RateLimit-Limit')).toBe('1000');
    expect(Number(res.headers.get('X-RateLimit-Remaining'))).toBeLessThan(1000);
    // The serving read starts before the limiter's round trip has ended: they overlap instead
    // of queueing one after the other.
    const log = api.log();
    expect(log).toContain('state.readServingState');
    expect(log.indexOf('state.readServingState')).toBeLessThan(log.indexOf('limit:end'));
  });

  it('refuses a read over the limit, then refuses the key at once, before any work', async () => {
    const api = limitedApp('test-read', 2);
    expect((await api.recommend()).status).toBe(200);
    expect((await api.recommend()).status).toBe(200);
    await expectRateLimited(await api.recommend());
    await expectRateLimited(await api.recommend());
    expect(api.log()).toEqual([]);
  });
});

describe('rate limits on writes', () => {
  it('decides before a write runs: a refused POST never reaches the state store', async () => {
    const api = limitedApp('test-write', 1);
    expect((await api.postEvent('i01')).status).toBe(202);
    expect(api.log()).toContain('state.ingest');
    await expectRateLimited(await api.postEvent('i02'));
    expect(api.log()).toEqual(['limit:start', 'limit:end']);
  });
});
