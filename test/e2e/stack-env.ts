/** Environment and ports for stacks the end-to-end tests start (apart from the test servers and `npm start`). */
import { allocateStackPorts as allocateLocalStackPorts, type StackPorts } from '../../local/stack';
import { TEST_PORTS } from '../setup/test-ports';

/**
 * Ports for a test stack: none of them a fixed port of the test servers or of `npm start`, so a
 * test stack never collides with a developer's stack or another helper's run. Allocated once per
 * test file, so that a restart in the same file reuses them.
 */
export function allocateStackPorts(): Promise<StackPorts> {
  return allocateLocalStackPorts(Object.values(TEST_PORTS));
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
