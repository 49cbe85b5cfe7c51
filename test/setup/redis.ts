/**
 * Test setup for Redis: a real redis-server on TEST_PORTS.redis (data in a fresh temp dir) — or
 * `REDIS_URL` if set — plus the local Upstash Redis REST server on TEST_PORTS.redisRest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Default import: in the workers projects vite's module runner leaves named ioredis imports undefined.
import IORedis from 'ioredis';
import { resolveRedis } from '../../local/redis-server';
import { startRedisRestServer } from '../../local/redis-rest/server';
import { TEST_PORTS, TEST_TOKENS, TEST_URLS } from './test-ports';
import { startOncePerProcess } from './once-per-process';

/** The Redis URL the test servers use: `REDIS_URL` if set, else the test redis-server's. */
export function testRedisUrl(): string {
  return process.env.REDIS_URL || TEST_URLS.redis;
}

/**
 * Starts redis-server (unless `REDIS_URL` is set) and the REST server, empties the database
 * (FLUSHALL — also on a `REDIS_URL` server) and returns the function that stops both. Throws a
 * one-line install hint when there is neither `redis-server` on PATH nor `REDIS_URL`.
 */
export async function startRedisForTests(): Promise<() => Promise<void>> {
  return startOncePerProcess('redis', startOnce);
}

async function startOnce(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgerec-test-redis-'));
  const redis = await resolveRedis({ port: TEST_PORTS.redis, dataDir }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const stopRedis = async () => {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const direct = new IORedis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await direct.connect();
    await direct.flushall();
    direct.disconnect();
    const rest = await startRedisRestServer({
      port: TEST_PORTS.redisRest,
      token: TEST_TOKENS.redisRest,
      redisUrl: redis.url,
    });
    return async () => {
      await rest.close();
      await stopRedis();
    };
  } catch (error) {
    await stopRedis();
    throw error;
  }
}
