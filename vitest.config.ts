/**
 * Test projects: `unit` (pure code, Node), `integration` (local servers and the stack, Node),
 * `workers-api` / `workers-batch` (inside workerd through @cloudflare/vitest-pool-workers, against
 * the real local servers). `npm test` runs them one after another: the projects that need servers
 * share one redis-server and one set of REST servers on fixed ports, and loading the servers'
 * modules (ioredis) into two projects of one vitest process fails ("Cannot redefine property").
 */
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig, defineProject } from 'vitest/config';
import { TEST_BINDINGS } from './test/setup/test-ports.ts';

export default defineConfig({
  test: {
    projects: [
      defineProject({
        test: {
          name: 'unit',
          environment: 'node',
          include: [
            'test/unit/**/*.test.ts',
            'shared/**/*.test.ts',
            'local/**/*.test.ts',
            'batch/**/*.test.ts',
          ],
        },
      }),
      defineProject({
        test: {
          name: 'integration',
          environment: 'node',
          include: ['test/conformance/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/local-servers.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      }),
      workersProject('workers-api', './wrangler.toml', 'test/workers/api/**/*.test.ts'),
      workersProject('workers-batch', './batch/wrangler.toml', 'test/workers/batch/**/*.test.ts'),
    ],
  },
});

/** A project whose tests run inside workerd with the bindings of one wrangler config. */
function workersProject(name: string, configPath: string, include: string) {
  return defineProject({
    plugins: [
      cloudflareTest({
        wrangler: { configPath },
        miniflare: {
          bindings: TEST_BINDINGS,
          // The API worker's service binding to the batch worker: the batch worker is tested in its
          // own project, so here the binding answers like a batch worker that is not deployed.
          serviceBindings: {
            BATCH: () =>
              new Response('batch worker not bound in this test project', { status: 503 }),
          },
        },
      }),
    ],
    test: {
      name,
      include: [include],
      globalSetup: ['test/setup/local-servers.ts'],
      testTimeout: 60_000,
      hookTimeout: 180_000,
      // One Redis for every file: a file's promotions, fresh items or hidden items must not reach
      // another file's answers halfway through its test.
      fileParallelism: false,
    },
  });
}
