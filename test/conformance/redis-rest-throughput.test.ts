/**
 * Throughput and latency of one GET through the local Upstash Redis REST server with the
 * official client, against the same GET sent straight to redis-server. A measurement, not a
 * gate: it runs only with REDIS_REST_BENCH=1 and prints one line per figure.
 *
 *   REDIS_REST_BENCH=1 npx vitest run --project integration test/conformance/redis-rest-throughput.test.ts
 */
import { Redis } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { testRedisUrl } from '../setup/redis';
import { TEST_TOKENS, TEST_URLS } from '../setup/test-ports';

const N = Number(process.env.REDIS_REST_BENCH_N ?? 3_000);
const WARM_UP = 200;

/** Mean microseconds per awaited call of `get`, which must return `expected` every time. */
async function meanMicros(get: () => Promise<unknown>, expected: unknown): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) expect(await get()).toEqual(expected);
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    const value = await get();
    if (value !== expected) expect(value).toEqual(expected);
  }
  return ((performance.now() - start) * 1_000) / N;
}

const line = (label: string, micros: number) =>
  console.log(`${label}: ${Math.round(1e6 / micros)} req/s, mean ${Math.round(micros)} µs`);

describe.skipIf(!process.env.REDIS_REST_BENCH)('redis REST throughput (REDIS_REST_BENCH=1)', () => {
  it('measures a sequential GET loop', { timeout: 600_000 }, async () => {
    const direct = new IORedis(testRedisUrl());
    await direct.set('bench:k', 'hello');
    const rest = { url: TEST_URLS.redisRest, token: TEST_TOKENS.redisRest };
    const viaRest = new Redis(rest);
    const viaRestSingle = new Redis({ ...rest, enableAutoPipelining: false });
    try {
      const d = await meanMicros(() => direct.get('bench:k'), 'hello');
      const r = await meanMicros(() => viaRest.get('bench:k'), 'hello');
      const s = await meanMicros(() => viaRestSingle.get('bench:k'), 'hello');
      line('direct ioredis GET', d);
      line('@upstash/redis GET via the REST server, default options (POST /pipeline)', r);
      line('@upstash/redis GET via the REST server, enableAutoPipelining: false (POST /)', s);
      console.log(
        `latency over direct redis: ${Math.round(r - d)} µs (default options), ${Math.round(s - d)} µs (no auto-pipelining)`,
      );
      // Explicit pipelines: two scripts (a recommendation's rate limit check and serving state)
      // and 200 SETs of 600 bytes (a fold-in's user vectors after an ingest).
      const script = "local t = {} for i = 1, 60 do t[i] = string.rep('x', 100) .. i end return t";
      const two = () => {
        const p = viaRestSingle.pipeline();
        p.eval('return {1, 2}', [], []);
        p.eval(script, [], ['x'.repeat(1500)]);
        return p.exec().then((replies) => replies.length);
      };
      const many = () => {
        const p = viaRestSingle.pipeline();
        for (let i = 0; i < 200; i++) p.set(`bench:v${i}`, 'v'.repeat(600), { ex: 600 });
        return p.exec().then((replies) => replies.length);
      };
      line('POST /pipeline, 2 scripts (7 KB reply)', await meanMicros(two, 2));
      line('POST /pipeline, 200 SETs', await meanMicros(many, 200));
    } finally {
      await direct.quit();
    }
  });
});
