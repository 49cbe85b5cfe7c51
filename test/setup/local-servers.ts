/**
 * Global setup of the integration and workers projects: starts a real redis-server, the local
 * Upstash Redis REST server and the local Upstash Vector REST server on the fixed test ports
 * (test/setup/test-ports.ts), and stops them after the run.
 */
import { startRedisForTests } from './redis';
import { startVectorForTests } from './vector';

export default async function setup(): Promise<() => Promise<void>> {
  const stopRedis = await startRedisForTests();
  const stopVector = await startVectorForTests();
  return async () => {
    await stopVector();
    await stopRedis();
  };
}
