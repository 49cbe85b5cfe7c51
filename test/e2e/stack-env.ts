/** Environment and ports for stacks the end-to-end tests start (apart from the test servers and `npm start`). */
import { freeLoopbackPort } from '../../local/ports';
import { DEFAULT_PORTS, type StackPorts } from '../../local/stack';
import { TEST_PORTS } from '../setup/test-ports';

/**
 * Four loopback ports the kernel reports free, none of them a fixed port of the test servers or of
 * `npm start` — so a test stack never collides with a developer's stack or another helper's run.
 * Allocated once per test file, so that a restart in the same file reuses them.
 */
export async function allocateStackPorts(): Promise<StackPorts> {
  const taken = new Set<number>([...Object.values(TEST_PORTS), ...Object.values(DEFAULT_PORTS)]);
  const ports: number[] = [];
  while (ports.length < 4) {
    const port = await freeLoopbackPort();
    if (!taken.has(port)) {
      taken.add(port);
      ports.push(port);
    }
  }
  const [api, redis, redisRest, vectorRest] = ports as [number, number, number, number];
  return { api, redis, redisRest, vectorRest };
}

/**
 * `process.env` without the settings a developer's shell may carry: a test stack always starts its
 * own redis-server (never `REDIS_URL`'s) with the default worker settings.
 */
export function isolatedEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.REDIS_URL;
  for (const name of Object.keys(env)) if (name.startsWith('EDGEREC_')) delete env[name];
  return env;
}
