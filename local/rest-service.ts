/**
 * Child-process entry of the local stack: runs one Upstash-protocol REST server (Redis or Vector)
 * in its own Node process, so that its CPU work (e.g. ANN queries) never stalls the caller
 * (`npm start`, a test runner or the benchmark's load generator).
 *
 * Input comes from the environment (tokens never appear in `ps`): `EDGEREC_SERVICE` is
 * `redis-rest` or `vector-rest`; `EDGEREC_SERVICE_PORT`, `EDGEREC_SERVICE_TOKEN`; for Redis
 * `EDGEREC_SERVICE_REDIS_URL` and optionally `EDGEREC_SERVICE_RECORD` (a file to record the
 * requests to, see `recordTo`); for Vector `EDGEREC_SERVICE_DIMENSION` and `EDGEREC_SERVICE_DATA_DIR`.
 * Prints one JSON line `{"ready":true,"url":…}` once listening; exits on SIGTERM/SIGINT or when its
 * stdin closes (the parent is gone), after closing the server (the vector server saves its data).
 */
import { startRedisRestServer } from './redis-rest/server';
import { startVectorRestServer } from './vector-rest/server';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const service = required('EDGEREC_SERVICE');
  const host = '127.0.0.1';
  const port = Number(required('EDGEREC_SERVICE_PORT'));
  const token = required('EDGEREC_SERVICE_TOKEN');
  let server: { url: string; close(): Promise<void> };
  if (service === 'redis-rest') {
    server = await startRedisRestServer({
      host,
      port,
      token,
      redisUrl: required('EDGEREC_SERVICE_REDIS_URL'),
      ...(process.env.EDGEREC_SERVICE_RECORD
        ? { recordTo: process.env.EDGEREC_SERVICE_RECORD }
        : {}),
    });
  } else if (service === 'vector-rest') {
    server = await startVectorRestServer({
      host,
      port,
      token,
      dimension: Number(required('EDGEREC_SERVICE_DIMENSION')),
      similarity: 'COSINE',
      dataDir: required('EDGEREC_SERVICE_DATA_DIR'),
    });
  } else {
    throw new Error(`unknown EDGEREC_SERVICE ${service}`);
  }
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${service}: close failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
  console.log(JSON.stringify({ ready: true, url: server.url }));
}

main().catch((error: unknown) => {
  console.error(`${process.env.EDGEREC_SERVICE ?? 'service'}: ${(error as Error).message}`);
  process.exit(1);
});
