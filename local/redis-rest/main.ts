/** Command-line entry of the local Upstash Redis REST server, for manual use. */
import { parseArgs } from 'node:util';
import { startRedisRestServer } from './server';

const USAGE =
  'usage: tsx local/redis-rest/main.ts --port 8079 --token TOKEN --redis-url redis://127.0.0.1:6390 [--read-only-token T] [--host 127.0.0.1] [--base-path /redis]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.REDIS_REST_PORT ?? '8079' },
      token: { type: 'string', default: process.env.UPSTASH_REDIS_REST_TOKEN },
      'read-only-token': { type: 'string' },
      'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      host: { type: 'string', default: '127.0.0.1' },
      'base-path': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (values.help || !values.token || !Number.isInteger(port)) {
    console.error(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const server = await startRedisRestServer({
    host: values.host,
    port,
    token: values.token,
    redisUrl: values['redis-url'],
    ...(values['read-only-token'] ? { readOnlyToken: values['read-only-token'] } : {}),
    ...(values['base-path'] ? { basePath: values['base-path'] } : {}),
  });
  console.log(`Upstash Redis REST server on ${server.url}`);
  const shutdown = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`redis-rest: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
