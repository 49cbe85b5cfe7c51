/** `GET /health`: liveness plus which dependencies answer, each under a short budget. */
import { Hono } from 'hono';
import { vectorNamespace } from '../../../shared/keys';
import { runWithBudget, type BudgetOutcome } from '../../../shared/pipeline/budget';
import type { AppEnv } from '../app-env';

const CHECK_BUDGET_MS = 500;

function status(o: BudgetOutcome<unknown>): 'ok' | 'error' | 'timeout' {
  return o.ok ? 'ok' : o.reason;
}

export const healthRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const deps = c.get('deps');
  const [redis, kv] = await Promise.all([
    runWithBudget('redis', () => deps.state.currentVersion(), CHECK_BUDGET_MS, deps.clock),
    runWithBudget('kv', () => deps.kv.readCurrent(), CHECK_BUDGET_MS, deps.clock),
  ]);
  const version = (redis.ok ? redis.value : null) ?? (kv.ok ? kv.value : null);
  const vector =
    version === null
      ? null
      : await runWithBudget(
          'vector',
          () => deps.vectors.count(vectorNamespace(version)),
          CHECK_BUDGET_MS,
          deps.clock,
        );
  const dependencies = {
    redis: status(redis),
    kv: status(kv),
    vector: vector === null ? ('skipped' as const) : status(vector),
  };
  const healthy = Object.values(dependencies).every((s) => s === 'ok' || s === 'skipped');
  c.header('Cache-Control', 'no-store');
  return c.json(
    {
      status: healthy ? ('ok' as const) : ('degraded' as const),
      modelVersion: version,
      dependencies,
    },
    200,
  );
});
