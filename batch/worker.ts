/**
 * The scheduled batch worker. `scheduled` runs a batch on the cron trigger; `fetch` is the internal
 * API the edge API worker reaches through its service binding `BATCH` (no public route):
 *   POST /runs      start a run now → 202 {runId} (the run goes on in waitUntil); 409 when locked
 *   GET  /runs/:id  one run's report
 *   GET  /status    current and previous version, the current manifest's metrics, recent runs
 *   POST /rollback  serve the previous version again (atomic); 409 when there is none
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { KvOperationBudget, KvResultStore } from '../shared/adapters/kv-result-store';
import { parseConfig, type Config } from '../shared/config';
import { batchTriggerSchema, type BatchTrigger } from '../shared/domain/batch';
import { createBatchDeps } from './deps';
import { runAsSeen, startBatch, type BatchOptions } from './run-batch';

type BatchEnv = { Bindings: Env };

/** Problem details (RFC 9457) with a stable `type`. */
const problem = (status: number, type: string, detail: string, extra: object = {}) =>
  new Response(
    JSON.stringify({ type, title: type.replaceAll('-', ' '), status, detail, ...extra }),
    {
      status,
      headers: { 'content-type': 'application/problem+json' },
    },
  );

function configOf(env: Env): Config {
  return parseConfig(env as unknown as Record<string, unknown>);
}

function batchOptions(
  config: Config,
  trigger: BatchOptions['trigger'],
  overrides: BatchTrigger = {},
): BatchOptions {
  return {
    trigger,
    platform: 'worker',
    eventWeights: config.EDGEREC_EVENT_WEIGHTS,
    train: {
      dims: overrides.dims ?? config.EDGEREC_DIMS,
      seed: overrides.seed ?? 42,
      tune: overrides.tune ?? 'auto',
      model: overrides.model ?? 'auto',
    },
  };
}

const app = new Hono<BatchEnv>();

app.get('/health', (c) => c.json({ status: 'ok' }));

app.post('/runs', async (c) => {
  const text = await c.req.text();
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      return problem(400, 'invalid-body', 'the body is not JSON');
    }
  }
  const parsed = batchTriggerSchema.safeParse(body);
  if (!parsed.success) return problem(400, 'invalid-body', z.prettifyError(parsed.error));
  const config = configOf(c.env);
  const deps = createBatchDeps(config, { kv: c.env.RESULTS });
  const start = await startBatch(deps, batchOptions(config, 'api', parsed.data));
  if (!start.started) {
    return problem(409, 'batch-locked', 'another batch run holds the lock', {
      runId: start.holder,
    });
  }
  c.executionCtx.waitUntil(start.done);
  return c.json({ runId: start.runId }, 202);
});

app.get('/runs/:id', async (c) => {
  const deps = createBatchDeps(configOf(c.env), { vectors: false });
  // The lock first: a run saves its final report before it lets the lock go, so a report read
  // after an absent lock is final, and a still `running` one belongs to a stopped run.
  const lock = await deps.store.lockHolder();
  const report = await deps.store.getRun(c.req.param('id'));
  if (!report) return problem(404, 'run-not-found', `no batch run ${c.req.param('id')}`);
  return c.json(runAsSeen(report, lock));
});

app.get('/status', async (c) => {
  const deps = createBatchDeps(configOf(c.env), { vectors: false });
  const lock = await deps.store.lockHolder(); // before the reports: see /runs/:id
  const [pointer, runs] = await Promise.all([deps.store.pointer(), deps.store.recentRuns(10)]);
  const manifest = pointer.current ? await deps.store.readManifest(pointer.current) : null;
  return c.json({
    current: pointer.current,
    previous: pointer.previous,
    model: manifest
      ? {
          version: manifest.version,
          createdAt: manifest.createdAt,
          model: manifest.model,
          dims: manifest.dims,
          items: manifest.itemIds.length,
          hyperParameters: manifest.hyperParameters,
          metrics: manifest.metrics,
        }
      : null,
    runningRun: lock,
    runs: runs.map((run) => runAsSeen(run, lock)),
  });
});

app.post('/rollback', async (c) => {
  const deps = createBatchDeps(configOf(c.env), { vectors: false });
  const pointer = await deps.store.rollback();
  if (!pointer)
    return problem(409, 'no-previous-version', 'there is no previous version to roll back to');
  const kv = new KvResultStore(c.env.RESULTS, { budget: new KvOperationBudget() });
  let kvState = 'written';
  try {
    await kv.setCurrent({ version: pointer.current!, flippedAt: Date.now() });
  } catch (error) {
    // Redis is the source of truth and already serves the previous version.
    kvState = `failed: ${(error as Error).message}`;
  }
  return c.json({ current: pointer.current, previous: pointer.previous, kv: kvState });
});

app.notFound(() => problem(404, 'not-found', 'no such route on the batch worker'));

app.onError((error) => {
  if (error instanceof z.ZodError) {
    return problem(500, 'invalid-configuration', z.prettifyError(error));
  }
  console.error('batch worker error:', error.message);
  return problem(500, 'internal-error', error.message);
});

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const config = configOf(env);
    const deps = createBatchDeps(config, { kv: env.RESULTS });
    const start = await startBatch(deps, batchOptions(config, 'cron'));
    if (!start.started) {
      console.log(
        `cron ${controller.cron}: batch run ${start.holder} still holds the lock; skipped`,
      );
      return;
    }
    ctx.waitUntil(
      start.done.then((report) =>
        console.log(
          `cron: batch run ${report.runId} ${report.state}${report.error ? `: ${report.error}` : ''}`,
        ),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
