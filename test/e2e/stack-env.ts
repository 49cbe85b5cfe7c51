/** Environment and ports for stacks the end-to-end tests start (apart from the test servers and `npm start`). */
import type { StackPorts } from '../../local/stack';

/** The smoke test's ports: distinct from TEST_PORTS, from `npm start`'s defaults and from each other. */
export const SMOKE_PORTS: StackPorts = {
  api: 28787,
  redis: 26390,
  redisRest: 28079,
  vectorRest: 28078,
};

/** The docs-page browser test's ports. */
export const DOCS_PAGE_PORTS: StackPorts = {
  api: 29787,
  redis: 29390,
  redisRest: 29079,
  vectorRest: 29078,
};

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
