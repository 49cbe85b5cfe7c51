import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../../batch/worker';
import { startBatch } from '../../../batch/run-batch';
import { estimateMemory, WORKER_LIMITS } from '../../../batch/stages/platform-limits';
import type { BatchRunReport } from '../../../shared/domain/batch';
import type { StoredEvent } from '../../../shared/domain/events';
import type { EventLog } from '../../../shared/ports/event-log';
import { kvKeys, redisKeys, vectorNamespace } from '../../../shared/keys';
import { clearBatchState, config, deps, options, redis, seedDemo } from './fixtures';

const call = (path: string, init?: RequestInit) =>
  exports.default.fetch(`http://batch${path}`, init);

async function scheduledRun(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: '0 * * * *', scheduledTime: Date.now() }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function waitForRun(runId: string): Promise<BatchRunReport> {
  for (let i = 0; i < 600; i++) {
    const res = await call(`/runs/${runId}`);
    const report = (await res.json()) as BatchRunReport;
    if (report.state !== 'running' && report.state !== 'queued') return report;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not finish`);
}

describe('batch worker', () => {
  beforeAll(async () => {
    await clearBatchState();
  });

  it('refuses a run on an empty event log and writes nothing', async () => {
    const start = await startBatch(deps(), options());
    if (!start.started) throw new Error('lock unexpectedly held');
    const report = await start.done;
    expect(report.state).toBe('refused');
    expect(report.error).toMatch(/not enough data/);
    expect((await deps().store.pointer()).current).toBeNull();
    expect(await deps().store.countKeys(report.version)).toEqual({
      topN: 0,
      neighbours: 0,
      popular: 0,
      manifest: 0,
      itemFactors: 0,
    });
  });

  let first = '';
  let second = '';
  it('a scheduled run writes a complete version and flips the pointer', async () => {
    const seeded = await seedDemo();
    await scheduledRun();
    const store = deps().store;
    const pointer = await store.pointer();
    expect(pointer.current).not.toBeNull();
    first = pointer.current!;
    const report = (await store.getRun(first))!;
    expect(report.state).toBe('succeeded');
    expect(report.trigger).toBe('cron');
    expect(report.data!.events).toBe(seeded.events);
    expect(report.stages.map((s) => s.name)).toEqual([
      'snapshot',
      'interactions',
      'limits',
      'train',
      'write',
      'verify',
      'flip',
      'fresh',
      'gc',
    ]);
    const users = report.data!.users;
    const items = report.data!.items;
    expect(await store.countKeys(first)).toMatchObject({
      topN: users,
      neighbours: items,
      manifest: 1,
      itemFactors: 1,
    });
    const manifest = (await store.readManifest(first))!;
    expect(manifest.itemIds).toHaveLength(items);
    // Every item's row, for the edge's held-neighbour bitmap.
    const rowsKey = redisKeys.version(first).rows;
    expect(await redis().hlen(rowsKey)).toBe(items);
    const rows = await redis().hmget(rowsKey, ...manifest.itemIds);
    expect(Object.values(rows ?? {}).map(Number)).toEqual(manifest.itemIds.map((_, row) => row));
    expect((await store.readItemFactors(first))!.length).toBe(items * manifest.dims);
    const logged = await deps().eventLog.read({ until: '+', count: 50 });
    const userId = logged
      .map((e) => e.event as StoredEvent)
      .find((e) => (config.EDGEREC_EVENT_WEIGHTS[e.type] ?? 0) > 0)!.userId;
    const record = (await store.readTopN(first, userId))!;
    expect(record.vector).toHaveLength(manifest.dims);
    expect(record.items.length).toBeGreaterThan(0);
    for (const [id] of record.items) expect(record.seen).not.toContain(id);
    expect(await deps().vectors!.count(vectorNamespace(first))).toBe(items);
    const kvPointer = await env.RESULTS.get<{ version: string }>(kvKeys.current, 'json');
    expect(kvPointer?.version).toBe(first);
    expect(await env.RESULTS.get(kvKeys.manifest(first))).not.toBeNull();
    // Fewer users than the KV plan copies: every record is in KV too.
    const write = report.stages.find((s) => s.name === 'write')!.detail!;
    expect(write.kvTopN).toBe(users);
    expect(await env.RESULTS.get(kvKeys.topN(first, userId))).not.toBeNull();
  });

  it('POST /runs answers 202 at once and flips again; GET /status shows both versions', async () => {
    const res = await call('/runs', { method: 'POST' });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    const report = await waitForRun(runId);
    expect(report.state).toBe('succeeded');
    second = runId;
    const status = (await (await call('/status')).json()) as {
      current: string;
      previous: string;
      model: { metrics: unknown; items: number } | null;
      runs: BatchRunReport[];
    };
    expect(status.current).toBe(second);
    expect(status.previous).toBe(first);
    expect(status.model?.items).toBeGreaterThan(0);
    expect(status.runs[0]!.runId).toBe(second);
  });

  it('POST /rollback flips back to the previous version atomically; a second rollback is 409', async () => {
    const res = await call('/rollback', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await deps().store.pointer()).toEqual({ current: first, previous: null });
    expect((await env.RESULTS.get<{ version: string }>(kvKeys.current, 'json'))?.version).toBe(
      first,
    );
    const again = await call('/rollback', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
  });

  it('the lock prevents overlapping runs', async () => {
    const store = deps().store;
    expect(await store.acquireLock('someone-else', 60_000)).toBe(true);
    try {
      const res = await call('/runs', { method: 'POST' });
      expect(res.status).toBe(409);
      expect(((await res.json()) as { runId: string }).runId).toBe('someone-else');
      const before = await store.recentRuns(50);
      await scheduledRun();
      expect(await store.recentRuns(50)).toHaveLength(before.length);
      expect((await store.pointer()).current).toBe(first);
    } finally {
      expect(await store.releaseLock('someone-else')).toBe(true);
    }
  });

  it('a run killed between writing and flipping leaves the served version untouched', async () => {
    const store = deps().store;
    const served = await store.pointer();
    const manifestBefore = await redis().get(redisKeys.version(served.current!).manifest);
    const countsBefore = await store.countKeys(served.current!);
    const start = await startBatch(
      deps(),
      options({
        hooks: {
          beforeFlip: () => {
            throw new Error('killed before flip');
          },
        },
      }),
    );
    if (!start.started) throw new Error('lock unexpectedly held');
    const report = await start.done;
    expect(report.state).toBe('failed');
    expect(report.error).toBe('killed before flip');
    // Its outputs were written completely, but nothing points at them.
    expect((await store.countKeys(report.version)).manifest).toBe(1);
    expect(await store.pointer()).toEqual(served);
    expect(await redis().get(redisKeys.version(served.current!).manifest)).toBe(manifestBefore);
    expect(await store.countKeys(served.current!)).toEqual(countsBefore);
    expect((await env.RESULTS.get<{ version: string }>(kvKeys.current, 'json'))?.version).toBe(
      served.current,
    );
    expect(await store.lockHolder()).toBeNull();
    killed = report.version;
  });

  let killed = '';
  it('refuses a run that would not fit the Worker, pointing to npm run batch, and writes nothing', async () => {
    const store = deps().store;
    const served = await store.pointer();
    const { data } = (await store.getRun(served.current!))!;
    // An isolate just too small for this data's estimate: the log passes the check before the
    // snapshot, the full estimate after it fails.
    const needed = estimateMemory({ ...data!, dims: config.EDGEREC_DIMS, easeMaxItems: 0 }).total;
    const memoryBytes = Math.floor((needed - 1024) / WORKER_LIMITS.plannedShare);
    const start = await startBatch(
      deps(),
      options({ workerLimits: { ...WORKER_LIMITS, memoryBytes } }),
    );
    if (!start.started) throw new Error('lock unexpectedly held');
    const report = await start.done;
    expect(report.state).toBe('refused');
    expect(report.error).toMatch(/too large for a Worker invocation.*npm run batch/);
    expect(report.stages.map((s) => s.name)).toEqual(['snapshot', 'interactions', 'limits']);
    expect(await store.countKeys(report.version)).toEqual({
      topN: 0,
      neighbours: 0,
      popular: 0,
      manifest: 0,
      itemFactors: 0,
    });
    expect(await store.pointer()).toEqual(served);

    // A log longer than any Worker run could hold is refused before it is read.
    const tiny = await startBatch(
      deps(),
      options({ workerLimits: { ...WORKER_LIMITS, memoryBytes: 1024 * 1024 } }),
    );
    if (!tiny.started) throw new Error('lock unexpectedly held');
    const early = await tiny.done;
    expect(early.state).toBe('refused');
    expect(early.error).toMatch(/event log holds \d+ events.*npm run batch/);
    expect(early.stages).toEqual([]);
  });

  it('GC keeps current and previous and deletes older and abandoned versions', async () => {
    const store = deps().store;
    const v = deps().vectors!;
    const start = await startBatch(deps(), options());
    if (!start.started) throw new Error('lock unexpectedly held');
    const third = await start.done;
    expect(third.state).toBe('succeeded');
    expect(await store.pointer()).toEqual({ current: third.version, previous: first });
    const gc = third.stages.find((s) => s.name === 'gc')!;
    expect(String(gc.detail!.collected).split(' ').sort()).toEqual([killed, second].sort());
    for (const gone of [killed, second]) {
      expect(await store.countKeys(gone)).toEqual({
        topN: 0,
        neighbours: 0,
        popular: 0,
        manifest: 0,
        itemFactors: 0,
      });
      expect(await v.count(vectorNamespace(gone))).toBe(0);
      expect((await env.RESULTS.list({ prefix: kvKeys.versionPrefix(gone) })).keys).toHaveLength(0);
    }
    for (const kept of [first, third.version]) {
      expect((await store.countKeys(kept)).manifest).toBe(1);
      expect(await v.count(vectorNamespace(kept))).toBeGreaterThan(0);
    }
    expect((await store.versions()).map((x) => x.version).sort()).toEqual(
      [first, third.version].sort(),
    );
  });

  it('shows a run that stopped without its final report as failed once its lock is gone', async () => {
    const store = deps().store;
    // What an isolate stopped mid-run leaves behind: a report still `running`.
    const ghost: BatchRunReport = {
      runId: 'ghost-run',
      state: 'running',
      trigger: 'cron',
      version: 'ghost-run',
      startedAt: Date.now() - 60_000,
      stages: [],
    };
    await store.saveRun(ghost);
    const seen = async () => {
      const status = (await (await call('/status')).json()) as { runs: BatchRunReport[] };
      return {
        run: (await (await call('/runs/ghost-run')).json()) as BatchRunReport,
        inStatus: status.runs.find((r) => r.runId === 'ghost-run'),
      };
    };
    expect(await store.acquireLock('ghost-run', 60_000)).toBe(true);
    try {
      const alive = await seen();
      expect(alive.run.state).toBe('running');
      expect(alive.inStatus?.state).toBe('running');
    } finally {
      expect(await store.releaseLock('ghost-run')).toBe(true);
    }
    const gone = await seen();
    for (const run of [gone.run, gone.inStatus]) {
      expect(run).toMatchObject({ state: 'failed', error: expect.stringMatching(/^interrupted/) });
    }
    // Only shown so: the stored report is left for the next run to mark.
    expect((await store.getRun('ghost-run'))?.state).toBe('running');
  });

  it('leaves out of the new version the list of a user erased while the run worked', async () => {
    const base = deps();
    const log = base.eventLog;
    const userId = (await log.read({ until: '+', count: 50 }))
      .map((e) => e.event as StoredEvent)
      .find((e) => (config.EDGEREC_EVENT_WEIGHTS[e.type] ?? 0) > 0)!.userId;
    // The snapshot reads an empty erasures list; the user is erased before the flip.
    let reads = 0;
    const eventLog: EventLog = {
      append: (events) => log.append(events),
      lastId: () => log.lastId(),
      length: () => log.length(),
      read: (range) => log.read(range),
      remove: (ids) => log.remove(ids),
      erasures: async () => new Map(reads++ === 0 ? [] : [[userId, '0-0']]),
      settleErasures: (done) => log.settleErasures(done),
    };
    const start = await startBatch({ ...base, eventLog }, options());
    if (!start.started) throw new Error('lock unexpectedly held');
    const report = await start.done;
    expect(report.state).toBe('succeeded');
    expect(reads).toBe(2);
    expect(await base.store.readTopN(report.version, userId)).toBeNull();
    expect(await env.RESULTS.get(kvKeys.topN(report.version, userId))).toBeNull();
    expect((await base.store.countKeys(report.version)).topN).toBe(report.data!.users - 1);
  });
});
