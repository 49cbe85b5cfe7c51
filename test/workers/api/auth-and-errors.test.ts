import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../workers/api/app';
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
}[] = [
  {
    scope: 'read',
    name: 'recommendations',
    call: (c) =>
      c.v1.users[':userId'].recommendations.$get({ param: { userId: 'auth-u' }, query: {} }),
  },
  {
    scope: 'read',
    name: 'similar',
    call: (c) => c.v1.items[':itemId'].similar.$get({ param: { itemId: 'i01' }, query: {} }),
  },
  { scope: 'read', name: 'trending', call: (c) => c.v1.trending.$get({ query: {} }) },
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
  { scope: 'admin', name: 'admin status', call: (c) => c.v1.admin.status.$get() },
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
    async ({ scope, call }) => {
      for (const other of (['read', 'write', 'admin'] as const).filter((s) => s !== scope)) {
        const body = await expectProblem(await call(clientFor(other)), 403, 'forbidden');
        expect(body.detail).toContain(scope);
      }
      const res = await call(clientFor(scope));
      // Admin routes reach the (absent) batch worker: 503 problem; the others succeed.
      expect(scope === 'admin' ? res.status : res.status < 300).toBe(
        scope === 'admin' ? 503 : true,
      );
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
