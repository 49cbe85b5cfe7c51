/**
 * A private set of local servers for the batch's measurements and Node-side tests: its own
 * redis-server, Upstash Redis REST server and Upstash Vector REST server on free ports. Runs flip
 * the global version pointer and read the whole event log, so measuring or testing them on the
 * shared servers would disturb (and be disturbed by) everyone else using those.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../local/redis-server';
import { startRedisRestServer } from '../local/redis-rest/server';
import { startVectorRestServer } from '../local/vector-rest/server';

export interface BatchStack {
  /** The variables `npm run batch` and `npm run import` read. */
  env: Record<string, string>;
  redisRest: { url: string; token: string };
  vectorRest: { url: string; token: string };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts the three servers; `dims` is the vector index dimension (runs must use the same). */
export async function startBatchStack(dims: number): Promise<BatchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'edgerec-batch-e2e-'));
  const token = 'batch-e2e-token';
  const redis = await startRedisServer({ port: await freePort(), dataDir: join(dir, 'redis') });
  const rest = await startRedisRestServer({ port: 0, token, redisUrl: redis.url });
  const vector = await startVectorRestServer({
    port: 0,
    token,
    dimension: dims,
    similarity: 'COSINE',
  });
  return {
    env: {
      UPSTASH_REDIS_REST_URL: rest.url,
      UPSTASH_REDIS_REST_TOKEN: token,
      UPSTASH_VECTOR_REST_URL: vector.url,
      UPSTASH_VECTOR_REST_TOKEN: token,
      EDGEREC_DIMS: String(dims),
    },
    redisRest: { url: rest.url, token },
    vectorRest: { url: vector.url, token },
    async stop() {
      await vector.close();
      await rest.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
