/**
 * Conformance of the local Upstash Redis REST server (local/redis-rest) with the unmodified
 * `@upstash/redis` client and raw HTTP, following the checklist of
 * ../shared/docs/upstash-redis-rest.md §15.2 plus the server's own policies (null arguments,
 * refused commands, body limit, read-only token, base path).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { Redis, errors, type RedisConfigNodejs } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startRedisRestServer, type RedisRestServer } from '../../local/redis-rest/server';
import { testRedisUrl } from '../setup/redis';
import { TEST_PORTS, TEST_TOKENS, TEST_URLS } from '../setup/test-ports';

const url = TEST_URLS.redisRest;
const token = TEST_TOKENS.redisRest;
const direct = new IORedis(testRedisUrl(), { lazyConnect: true });

beforeAll(() => direct.connect());
afterAll(() => direct.quit());
beforeEach(() => direct.flushall());

function client(options: Partial<RedisConfigNodejs> = {}): Redis {
  return new Redis({ url, token, ...options });
}

/** A raw POST to the server; `path` is appended to the base URL. */
async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  base: string = url,
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const BASE64 = { 'upstash-encoding': 'base64' };

/** The checklist runs these with default options and with each named variant. */
const VARIANTS: Array<[string, Partial<RedisConfigNodejs>]> = [
  ['default options', {}],
  ['enableAutoPipelining: false', { enableAutoPipelining: false }],
  ['responseEncoding: false', { responseEncoding: false }],
  ['readYourWrites: false', { readYourWrites: false }],
];

describe.each(VARIANTS)('client with %s', (_name, options) => {
  const redis = client(options);

  it('answers ping with PONG', async () => {
    expect(await redis.ping()).toBe('PONG');
  });

  it('round-trips non-ASCII text', async () => {
    await redis.set('k', 'héllo 😀');
    expect(await redis.get('k')).toBe('héllo 😀');
  });

  it('round-trips objects, numbers and booleans', async () => {
    await redis.set('o', { a: 1, b: [1, 2] });
    await redis.set('n', 42);
    await redis.set('b', true);
    expect(await redis.get('o')).toEqual({ a: 1, b: [1, 2] });
    expect(await redis.get('n')).toBe(42);
    expect(await redis.get('b')).toBe(true);
    expect(await direct.get('n')).toBe('42');
    expect(await direct.get('b')).toBe('true');
  });

  it('returns OK values, type names and missing keys faithfully', async () => {
    await redis.set('ok', 'OK');
    await redis.hset('h', { f: 'v' });
    expect(await redis.get('ok')).toBe('OK');
    expect(await redis.type('h')).toBe('hash');
    expect(await redis.get('missing')).toBeNull();
    expect(await redis.hgetall('h')).toEqual({ f: 'v' });
  });

  it('keeps the flat RESP2 shape of ZRANGE WITHSCORES', async () => {
    await redis.zadd('z', { score: 1.5, member: 'm1' }, { score: 2, member: 'm2' });
    expect(await redis.zrange('z', 0, -1, { withScores: true })).toEqual(['m1', 1.5, 'm2', 2]);
  });

  it('encodes nested arrays recursively', async () => {
    expect(await redis.eval("return {1,'two',{3,'four'}}", [], [])).toEqual([
      1,
      'two',
      [3, 'four'],
    ]);
  });

  it('answers MGET with values, nulls and objects', async () => {
    await redis.set('n', 42);
    await redis.set('o', { a: 1 });
    expect(await redis.mget('n', 'missing', 'o')).toEqual([42, null, { a: 1 }]);
  });

  it('answers SCAN and KEYS (single-command path)', async () => {
    await Promise.all(['a', 'b', 'c'].map((k) => redis.set(k, k)));
    const [cursor, keys] = await redis.scan(0);
    expect(cursor).toBe('0');
    expect([...keys].sort()).toEqual(['a', 'b', 'c']);
    expect((await redis.keys('*')).sort()).toEqual(['a', 'b', 'c']);
  });

  it('round-trips a value over 1 MB', async () => {
    const value = 'v'.repeat(1_500_000) + 'é';
    await redis.set('big', value);
    expect(await redis.get('big')).toBe(value);
  });

  it('rejects INCR on a non-integer with the Redis error', async () => {
    await redis.set('s', 'text');
    const error = await redis.incr('s').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.UpstashError);
    const message = (error as Error).message;
    if (options.enableAutoPipelining === false) {
      expect(message.startsWith('ERR value is not an integer or out of range')).toBe(true);
      expect(message).toContain('command was:');
    } else {
      expect(message).toBe('Command failed: ERR value is not an integer or out of range');
    }
  });

  it('runs an explicit pipeline without stopping at an error', async () => {
    const keepErrors = redis.pipeline().set('p', 'v').incr('p').get('p');
    expect(await keepErrors.exec({ keepErrors: true })).toEqual([
      { result: 'OK', error: undefined },
      { result: undefined, error: 'ERR value is not an integer or out of range' },
      { result: 'v', error: undefined },
    ]);
    const failing = redis.pipeline().set('p', 'v').incr('p').get('p');
    await expect(failing.exec()).rejects.toThrow(
      'Command 2 [ incr ] failed: ERR value is not an integer or out of range',
    );
  });

  it('applies the other commands of a transaction with a runtime error', async () => {
    await redis.set('s', 'text');
    const tx = redis.multi().set('t1', 'a').incr('s').set('t2', 'b');
    expect(await tx.exec({ keepErrors: true })).toEqual([
      { result: 'OK', error: undefined },
      { result: undefined, error: 'ERR value is not an integer or out of range' },
      { result: 'OK', error: undefined },
    ]);
    expect(await direct.mget('t1', 't2')).toEqual(['a', 'b']);
  });

  it('runs scripts through the EVALSHA → EVAL fallback', async () => {
    await direct.script('FLUSH');
    expect(await redis.createScript('return ARGV[1]').exec([], ['hi'])).toBe('hi');
  });

  it('resolves ~100 concurrent mixed reads and writes correctly', async () => {
    const n = 50;
    await Promise.all(Array.from({ length: n }, (_, i) => redis.set(`c:${i}`, i * 3)));
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => [redis.incrby(`c:${i}`, 1), redis.get(`d:${i}`)]).flat(),
    );
    expect(results).toEqual(Array.from({ length: n }, (_, i) => [i * 3 + 1, null]).flat());
    expect(
      await Promise.all(Array.from({ length: n }, (_, i) => redis.get<number>(`c:${i}`))),
    ).toEqual(Array.from({ length: n }, (_, i) => i * 3 + 1));
  });
});

describe('client options', () => {
  it('with automaticDeserialization: false returns raw strings', async () => {
    const redis = client({ automaticDeserialization: false });
    await redis.set('n', 42);
    await redis.zadd('z', { score: 1.5, member: 'm' });
    expect(await redis.get('n')).toBe('42');
    expect(await redis.zscore('z', 'm')).toBe('1.5');
  });

  it('keeps a non-empty sync token that changes after a write', async () => {
    const redis = client();
    await redis.get('k');
    const first = redis.readYourWritesSyncToken;
    expect(first).toMatch(/.+/);
    await redis.set('k', 'v');
    expect(redis.readYourWritesSyncToken).toMatch(/.+/);
    expect(redis.readYourWritesSyncToken).not.toBe(first);
  });

  it('with a wrong token rejects with the server error text', async () => {
    const redis = client({ token: 'wrong' });
    const error = await redis.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.UpstashError);
    expect((error as Error).message).toContain('Unauthorized');
  });

  it('passes an undefined argument as null, which fails only that command', async () => {
    const redis = client();
    const [ok, bad] = await Promise.allSettled([
      redis.set('a', '1'),
      redis.set('b', undefined as unknown as string),
    ]);
    expect(ok).toEqual({ status: 'fulfilled', value: 'OK' });
    expect(bad.status).toBe('rejected');
    expect(String((bad as PromiseRejectedResult).reason)).toContain('null');
    expect(await direct.exists('b')).toBe(0);
  });

  it('supports what the project relies on: SET NX PX, ZINCRBY, XADD/XRANGE', async () => {
    const redis = client();
    expect(await redis.set('lock', 'me', { nx: true, px: 5_000 })).toBe('OK');
    expect(await redis.set('lock', 'you', { nx: true, px: 5_000 })).toBeNull();
    expect(await direct.pttl('lock')).toBeGreaterThan(4_000);
    expect(await redis.zincrby('trend', 2.5, 'item')).toBe(2.5);
    const id = await redis.xadd('events', '*', { user: 'u1', item: 'i9' });
    expect(await redis.xrange('events', '-', '+')).toEqual({ [id]: { user: 'u1', item: 'i9' } });
  });
});

describe('raw HTTP: encoding and argument conversion', () => {
  it('base64-encodes every string but OK, recursively, in pipelines', async () => {
    const res = await post(
      '/pipeline',
      [['set', 'k', 'bar'], ['get', 'k'], ['ping'], ['incr', 'n'], ['get', 'missing']],
      BASE64,
    );
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      '[{"result":"OK"},{"result":"YmFy"},{"result":"UE9ORw=="},{"result":1},{"result":null}]',
    );
  });

  it('answers single commands in base64 and plain mode', async () => {
    await direct.set('k', 'bar');
    expect((await post('', ['get', 'k'], BASE64)).text).toBe('{"result":"YmFy"}');
    expect((await post('/', ['incr', 'c'], BASE64)).text).toBe('{"result":1}');
    expect((await post('', ['get', 'k'])).text).toBe('{"result":"bar"}');
    expect((await post('', ['ping'])).text).toBe('{"result":"PONG"}');
    await direct.zadd('z', 1.5, 'm1', 2, 'm2');
    expect((await post('', ['zrange', 'z', 0, -1, 'withscores'], BASE64)).text).toBe(
      '{"result":["bTE=","MS41","bTI=","Mg=="]}',
    );
  });

  it('keeps raw bytes in base64 mode and replaces invalid UTF-8 without it', async () => {
    await direct.set('bin', Buffer.from([0xff, 0x00, 0xfe, 0x41]));
    expect((await post('', ['get', 'bin'], BASE64)).json).toEqual({ result: '/wD+QQ==' });
    expect((await post('', ['get', 'bin'])).json).toEqual({ result: '\ufffd\u0000\ufffdA' });
  });

  it('returns HGETALL as the flat RESP2 array', async () => {
    await direct.hset('h', 'f1', 'v1', 'f2', 'v2');
    expect((await post('', ['hgetall', 'h'])).json).toEqual({ result: ['f1', 'v1', 'f2', 'v2'] });
  });

  it('writes 64-bit integers with every digit', async () => {
    const res = await post('', ['incrby', 'big', '9007199254740993']);
    expect(res.text).toBe('{"result":9007199254740993}');
  });

  it('forwards JSON numbers as their exact text and booleans as true/false', async () => {
    const body =
      '[["set","a",12345678901234567890],["set","b",1.0],["set","c",1e+21],["set","d",false]]';
    expect((await post('/pipeline', body)).status).toBe(200);
    expect(await direct.mget('a', 'b', 'c', 'd')).toEqual([
      '12345678901234567890',
      '1.0',
      '1e+21',
      'false',
    ]);
  });

  it('puts a Redis error of a single command in a 400 {error}', async () => {
    await direct.set('s', 'text');
    const res = await post('', ['incr', 's']);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'ERR value is not an integer or out of range' });
    const unknown = await post('', ['nosuchcommand', 'x']);
    expect(unknown.status).toBe(400);
    expect((unknown.json as { error: string }).error).toMatch(/^ERR unknown command/);
  });

  it('answers a pipeline with errors with 200 and runs the later commands', async () => {
    const res = await post('/pipeline', [
      ['set', 'k', 'v'],
      ['incr', 'k'],
      ['set', 'after', 'yes'],
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: 'OK' },
    ]);
    expect(await direct.get('after')).toBe('yes');
  });

  it('runs a pipeline in order on one connection', async () => {
    const res = await post(
      '/pipeline',
      Array.from({ length: 300 }, () => ['incr', 'seq']),
    );
    expect(res.json).toEqual(Array.from({ length: 300 }, (_, i) => ({ result: i + 1 })));
  });

  it('answers null arguments with a per-command error (the chosen policy)', async () => {
    const single = await post('', ['set', 'k', null]);
    expect(single.status).toBe(400);
    expect((single.json as { error: string }).error).toMatch(/^ERR argument 2 of 'set' is null/);
    const batch = await post('/pipeline', [
      ['set', 'a', '1'],
      ['set', 'k', null],
      ['get', 'a'],
    ]);
    expect(batch.status).toBe(200);
    expect(batch.json).toEqual([
      { result: 'OK' },
      { error: expect.stringMatching(/null/) },
      { result: '1' },
    ]);
    const tx = await post('/multi-exec', [
      ['set', 'b', '1'],
      ['set', 'k', null],
    ]);
    expect(tx.status).toBe(400);
    expect(await direct.exists('k', 'b')).toBe(0);
  });
});

describe('raw HTTP: transactions', () => {
  it('discards a transaction with an unknown command as a whole', async () => {
    const res = await post('/multi-exec', [
      ['set', 'x', '1'],
      ['nosuchcommand'],
      ['set', 'y', '2'],
    ]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.stringMatching(/^EXECABORT/) });
    expect(await direct.exists('x', 'y')).toBe(0);
  });

  it('discards a transaction with a refused command before sending it', async () => {
    const res = await post('/multi-exec', [
      ['set', 'x', '1'],
      ['blpop', 'q', 0],
    ]);
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toContain('blocking');
    expect(await direct.exists('x')).toBe(0);
  });

  it('makes the client reject a discarded transaction, nothing applied', async () => {
    const tx = client()
      .multi()
      .set('x', '1')
      .set('y', undefined as unknown as string);
    const error = await tx.exec().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.UpstashError);
    expect((error as Error).message).toMatch(/^EXECABORT.*null.*command was:/);
    expect(await direct.exists('x', 'y')).toBe(0);
  });

  it('keeps concurrent transactions atomic', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        post('/multi-exec', [
          ['incr', 'ctr'],
          ['incr', 'ctr'],
        ]),
      ),
    );
    const pairs = results.map((r) => (r.json as Array<{ result: number }>).map((x) => x.result));
    for (const [a, b] of pairs) expect(b).toBe(a! + 1);
    expect(pairs.map(([a]) => a).sort((x, y) => x! - y!)).toEqual(
      Array.from({ length: 30 }, (_, i) => 2 * i + 1),
    );
  });
});

describe('raw HTTP: auth, paths, headers and bad input', () => {
  it('answers a wrong or missing token with 401 JSON', async () => {
    const wrong = await post('', ['ping'], { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ error: 'Unauthorized' });
    const res = await fetch(url, { method: 'POST', body: '["ping"]' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'Unauthorized' });
  });

  it('accepts the _token query parameter', async () => {
    const res = await fetch(`${url}/?_token=${token}`, { method: 'POST', body: '["ping"]' });
    expect(await res.json()).toEqual({ result: 'PONG' });
  });

  it('answers unknown paths with 404 JSON, other methods with 405 JSON, SSE with 501 JSON', async () => {
    const unknown = await post('/nope', ['ping']);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: expect.any(String) });
    const get = await fetch(`${url}/pipeline`, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual({ error: expect.any(String) });
    const sse = await post('/subscribe/chat', []);
    expect(sse.status).toBe(501);
    expect(sse.json).toEqual({ error: expect.stringContaining('not supported') });
  });

  it.each([
    ['non-JSON', '', 'not json'],
    ['a JSON object', '', '{"cmd":"ping"}'],
    ['an empty command', '', '[]'],
    ['a non-string command name', '', '[1,2]'],
    ['a nested argument', '', '["set","k",["v"]]'],
    ['an object argument', '', '["set","k",{"a":1}]'],
    ['an empty pipeline', '/pipeline', '[]'],
    ['a flat pipeline', '/pipeline', '["get","k"]'],
    ['a pipeline with an empty command', '/pipeline', '[["ping"],[]]'],
    ['a non-JSON transaction', '/multi-exec', '[['],
  ])('answers %s with 400 JSON and keeps serving', async (_name, path, body) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.stringMatching(/^ERR /) });
    expect((await post('', ['ping'])).json).toEqual({ result: 'PONG' });
  });

  it('answers invalid UTF-8 with 400 JSON', async () => {
    const res = await post('', new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d]));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'ERR the request body is not valid UTF-8' });
  });

  it.each([
    ['blpop', ['blpop', 'q', 1], 'blocking'],
    ['xread BLOCK', ['xread', 'block', 10, 'streams', 's', '$'], 'blocking'],
    ['select', ['select', 1], 'not supported'],
    ['subscribe', ['subscribe', 'chat'], 'not supported'],
    ['monitor', ['monitor'], 'not supported'],
    ['client kill', ['client', 'kill', 'id', 1], 'not supported'],
    ['multi', ['multi'], 'not supported'],
  ])('refuses %s with a JSON error', async (_name, command, reason) => {
    const res = await post('', command);
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toContain(reason);
    expect((await post('', ['ping'])).json).toEqual({ result: 'PONG' });
  });

  it('still runs XREAD without BLOCK and CLIENT ID', async () => {
    await direct.xadd('s', '1-1', 'f', 'v');
    expect((await post('', ['xread', 'streams', 's', '0'])).json).toEqual({
      result: [['s', [['1-1', ['f', 'v']]]]],
    });
    expect((await post('', ['client', 'id'])).json).toEqual({ result: expect.any(Number) });
  });

  it('sends an increasing upstash-sync-token on 2xx answers only', async () => {
    const a = await post('', ['ping']);
    const b = await post('/pipeline', [['ping']]);
    const bad = await post('', 'nope');
    expect(Number(b.headers.get('upstash-sync-token'))).toBeGreaterThan(
      Number(a.headers.get('upstash-sync-token')),
    );
    expect(bad.headers.get('upstash-sync-token')).toBeNull();
    expect(a.headers.get('content-type')).toBe('application/json');
  });

  it('ignores telemetry headers and an empty sync token', async () => {
    const res = await post('/pipeline', [['ping']], {
      ...BASE64,
      'upstash-sync-token': '',
      'upstash-telemetry-sdk': '@upstash/redis@v1.39.0,@upstash/ratelimit@v2.2.0',
      'upstash-telemetry-runtime': 'node@v20',
      'upstash-telemetry-platform': 'unknown',
      'upstash-telemetry-retry': '1',
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual([{ result: 'UE9ORw==' }]);
  });

  it('serves many parallel raw requests correctly', async () => {
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0
          ? post('', ['set', `p:${i}`, `v${i}`])
          : post('/pipeline', [
              ['set', `p:${i}`, `v${i}`],
              ['get', `p:${i}`],
            ]),
      ),
    );
    responses.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(res.json).toEqual(
        i % 2 === 0 ? { result: 'OK' } : [{ result: 'OK' }, { result: `v${i}` }],
      );
    });
    expect(await direct.dbsize()).toBe(200);
  });
});

describe('servers started by a test', () => {
  const servers: RedisRestServer[] = [];
  const start = async (options: Partial<Parameters<typeof startRedisRestServer>[0]> = {}) => {
    const server = await startRedisRestServer({
      port: 0,
      token,
      redisUrl: testRedisUrl(),
      ...options,
    });
    servers.push(server);
    return server;
  };
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('binds to 127.0.0.1 only and refuses other hosts', async () => {
    const server = await start();
    expect(server.address.address).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}`);
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(/loopback only/);
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

  it.skipIf(!external)('is unreachable on a non-loopback address (test servers too)', async () => {
    const server = await start();
    const ports = [server.address.port, TEST_PORTS.redisRest];
    // The redis-server the setup started (a REDIS_URL server is not ours to check).
    if (!process.env.REDIS_URL) ports.push(TEST_PORTS.redis);
    for (const port of ports) {
      expect(await canConnect('127.0.0.1', port)).toBe(true);
      expect(await canConnect(external!, port)).toBe(false);
    }
  });

  it('answers bodies over the limit with 413 JSON and keeps serving', async () => {
    const server = await start({ maxBodyBytes: 64 * 1024 });
    const res = await post('', ['set', 'k', 'x'.repeat(100 * 1024)], {}, server.url);
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: expect.stringContaining('larger than') });
    expect(await direct.exists('k')).toBe(0);
    expect((await post('', ['ping'], {}, server.url)).json).toEqual({ result: 'PONG' });
  });

  it('serves under a base path', async () => {
    const server = await start({ basePath: '/redis' });
    expect(server.url.endsWith('/redis')).toBe(true);
    const redis = new Redis({ url: server.url, token });
    await redis.set('k', 'v');
    expect(await redis.get('k')).toBe('v');
    expect(await redis.keys('*')).toEqual(['k']);
    const base = server.url.replace(/\/redis$/, '');
    expect((await post('/', ['ping'], {}, base)).status).toBe(404);
    expect((await post('/pipeline', [['ping']], {}, base)).status).toBe(404);
  });

  it('gives a read-only token reads but NOPERM for writes', async () => {
    const server = await start({ readOnlyToken: 'reader' });
    await direct.set('k', 'v');
    const reader = new Redis({ url: server.url, token: 'reader' });
    expect(await reader.get('k')).toBe('v');
    expect(await reader.evalRo("return redis.call('get', KEYS[1])", ['k'], [])).toBe('v');
    await expect(reader.set('k', 'w')).rejects.toThrow(/NOPERM.*'set'/);
    await expect(reader.eval('return 1', [], [])).rejects.toThrow(/NOPERM/);
    await expect(reader.flushall()).rejects.toThrow(/NOPERM/);
    const mixed = await post(
      '/pipeline',
      [
        ['get', 'k'],
        ['del', 'k'],
        ['config', 'set', 'maxmemory', '1'],
      ],
      { authorization: 'Bearer reader' },
      server.url,
    );
    expect(mixed.json).toEqual([
      { result: 'v' },
      { error: expect.stringMatching(/^NOPERM/) },
      { error: expect.stringMatching(/^NOPERM.*config\|set/) },
    ]);
    expect(await direct.get('k')).toBe('v');
    const writer = new Redis({ url: server.url, token });
    expect(await writer.set('k', 'w')).toBe('OK');
  });

  it('records every authenticated request in order when asked, never the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-rest-record-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'requests.jsonl');
    const server = await startRedisRestServer({
      port: 0,
      token,
      redisUrl: testRedisUrl(),
      recordTo: file,
    });
    try {
      expect((await post('', ['set', 'k', 'v'], {}, server.url)).status).toBe(200);
      expect((await post('/pipeline', [['get', 'k']], BASE64, server.url)).status).toBe(200);
      expect((await post('/multi-exec', [['incr', 'n']], {}, server.url)).status).toBe(200);
      const unauthorised = await fetch(server.url, {
        method: 'POST',
        headers: { authorization: 'Bearer wrong' },
        body: '["flushall"]',
      });
      expect(unauthorised.status).toBe(401);
    } finally {
      await server.close();
    }
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { endpoint: 'single', base64: false, body: '["set","k","v"]' },
      { endpoint: 'pipeline', base64: true, body: '[["get","k"]]' },
      { endpoint: 'multi-exec', base64: false, body: '[["incr","n"]]' },
    ]);
  });

  it('fails to start with a clear error when the recording file cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-rest-record-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const missingDir = join(dir, 'missing');
    await expect(start({ recordTo: join(missingDir, 'requests.jsonl') })).rejects.toThrow(
      /cannot record requests to .*missing.*ENOENT/,
    );
  });

  it('fails to start with a clear error when redis is unreachable', async () => {
    const port = await closedPort();
    await expect(start({ redisUrl: `redis://127.0.0.1:${port}` })).rejects.toThrow(
      /cannot reach redis/,
    );
  });
});

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}

/** A port nothing listens on (bound once by the OS, then released). */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
