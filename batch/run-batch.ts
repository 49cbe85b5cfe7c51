/**
 * One batch run: lock → snapshot → training data → limits → train → write → verify → flip →
 * fresh items → GC, with a report saved after every stage. The same code runs in the scheduled
 * worker (workerd) and on the command line (Node); only the dependencies differ.
 *
 * Safety: every output goes under the run's own version and the served pointer changes in one
 * atomic step at the end, guarded by the lock — a run that fails or dies anywhere before the flip
 * leaves the served version untouched; what it wrote is garbage for a later GC.
 */
import type { BatchRunReport, BatchStageReport } from '../shared/domain/batch';
import type { KvResultStore } from '../shared/adapters/kv-result-store';
import { LIMITS } from '../shared/keys';
import type { Catalogue } from '../shared/ports/catalogue';
import type { EventLog } from '../shared/ports/event-log';
import type { ResultStore } from '../shared/ports/result-store';
import type { VectorIndex } from '../shared/ports/vector-index';
import type { VersionStore } from '../shared/ports/version-store';
import { DEFAULT_TRAIN_CONFIG } from '../shared/training/index';
import type { TrainAll, TrainConfig } from '../shared/training/types';
import { newRunId } from './run-id';
import { collectGarbage } from './stages/collect-garbage';
import { flipVersion } from './stages/flip';
import {
  easeMaxItemsFor,
  estimateMemory,
  WORKER_LIMITS,
  workerMaxEvents,
  type WorkerLimits,
  workerRefusal,
  type RunSize,
} from './stages/platform-limits';
import { takeSnapshot, type Snapshot } from './stages/snapshot';
import { buildTrainingData, type TrainingData } from './stages/training-data';
import { verifyVersion } from './stages/verify';
import { writeOutputs, type KvPlan, type WriteReport } from './stages/write-outputs';

/** The stores and functions a run uses. */
export interface BatchDeps {
  eventLog: EventLog;
  catalogue: Catalogue;
  /** Redis: pointer, lock, run reports and the versioned outputs. */
  store: VersionStore & ResultStore;
  /** The Workers KV copy; null where KV is not reachable (the command line). */
  kv: KvResultStore | null;
  /** The vector index; null skips vectors (the edge then has no ANN source for this version). */
  vectors: VectorIndex | null;
  trainAll: TrainAll;
  now?: () => number;
  /**
   * Memory in bytes (Node: `process.memoryUsage()`), sampled during the run for the report. JS heap
   * plus ArrayBuffers is what an isolate's 128 MB bounds; RSS adds the process around it.
   */
  memoryUsage?: () => { rss: number; heapUsed: number; arrayBuffers: number };
}

/** Failure injection for tests: runs after the outputs are verified, right before the flip. */
export interface BatchHooks {
  beforeFlip?: (report: BatchRunReport) => void | Promise<void>;
}

export interface BatchOptions {
  trigger: BatchRunReport['trigger'];
  /** 'worker' applies the Worker's memory limits and KV budget; 'node' has no such limits. */
  platform: 'worker' | 'node';
  /** The limits a 'worker' run must fit (default `WORKER_LIMITS`, Cloudflare's paid plan). */
  workerLimits?: WorkerLimits;
  eventWeights: Readonly<Record<string, number>>;
  train: Pick<TrainConfig, 'dims' | 'seed' | 'tune' | 'model'> & Partial<TrainConfig>;
  /** Fewest interactions (distinct user-item pairs) worth training on; fewer → `refused`. */
  minInteractions?: number;
  lockTtlMs?: number;
  kvPlan?: KvPlan;
  /** Entries per event-log read and records per write request. */
  readChunk?: number;
  writeChunk?: number;
  hooks?: BatchHooks;
  onProgress?: (stage: string, done: number, total: number) => void;
  onStage?: (stage: BatchStageReport, report: BatchRunReport) => void;
}

/** A run that could start (lock taken, report saved) and the promise of its end. */
export type BatchStart =
  | { started: true; runId: string; done: Promise<BatchRunReport> }
  | { started: false; holder: string | null };

/** Thrown when the lock was lost mid-run (expired and taken by another run). */
export class LockLostError extends Error {
  constructor(runId: string) {
    super(`batch lock lost by run ${runId}; another run may be active`);
    this.name = 'LockLostError';
  }
}

/** A run that must not proceed for a reason that is not a fault (too little data, too large). */
export class RunRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunRefusedError';
  }
}

export const DEFAULT_MIN_INTERACTIONS = 20;

/** Refreshes the lock at most this often (or every third of its TTL) while a run makes progress. */
const LOCK_REFRESH_MS = 10_000;

/**
 * Takes the lock and starts a run; the returned `done` settles with the final report (it never
 * rejects: failures end in a `failed` report). Returns `started: false` when another run holds the lock.
 */
export async function startBatch(deps: BatchDeps, options: BatchOptions): Promise<BatchStart> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const runId = newRunId(startedAt);
  const lockTtlMs = options.lockTtlMs ?? LIMITS.batchLockMs;
  if (!(await deps.store.acquireLock(runId, lockTtlMs))) {
    return { started: false, holder: await deps.store.lockHolder() };
  }
  const report: BatchRunReport = {
    runId,
    state: 'running',
    trigger: options.trigger,
    version: runId,
    startedAt,
    stages: [],
  };
  try {
    await deps.store.saveRun(report);
    await markInterruptedRuns(deps.store, runId, now());
  } catch (error) {
    await deps.store.releaseLock(runId).catch(() => false);
    throw error;
  }
  return { started: true, runId, done: new BatchRun(deps, options, report, lockTtlMs).run() };
}

const INTERRUPTED =
  'interrupted: the run stopped before finishing (its process ended or its lock expired)';

/** Reports left `running` by a process that died: the lock has passed on, so they are over. */
async function markInterruptedRuns(store: VersionStore, runId: string, now: number): Promise<void> {
  for (const run of await store.recentRuns(20)) {
    if (run.runId !== runId && unfinished(run)) {
      await store.saveRun({ ...run, state: 'failed', finishedAt: now, error: INTERRUPTED });
    }
  }
}

/**
 * `run` as it should be shown, given who holds the lock now. A run writes its final report before
 * it releases its lock, so a report still `running` whose lock is gone belongs to a run that was
 * stopped without a chance to finish (an evicted isolate, a platform limit, a killed process): it
 * is shown as failed at once, not only once the next run marks it (`markInterruptedRuns`).
 */
export function runAsSeen(run: BatchRunReport, lockHolder: string | null): BatchRunReport {
  return unfinished(run) && lockHolder !== run.runId
    ? { ...run, state: 'failed', error: INTERRUPTED }
    : run;
}

function unfinished(run: BatchRunReport): boolean {
  return run.state === 'running' || run.state === 'queued';
}

/** State of one run between stages. */
class BatchRun {
  private readonly now: () => number;
  private lastRefresh: number;
  private peakRss = 0;
  private peakHeap = 0;
  private peakIsolate = 0;
  /** Heap + ArrayBuffers when the run started: what the process held before the run's own data. */
  private baseline = 0;

  constructor(
    private readonly deps: BatchDeps,
    private readonly options: BatchOptions,
    private readonly report: BatchRunReport,
    private readonly lockTtlMs: number,
  ) {
    this.now = deps.now ?? Date.now;
    this.lastRefresh = this.now();
    this.sampleMemory();
    this.baseline = this.peakIsolate;
  }

  async run(): Promise<BatchRunReport> {
    const { report } = this;
    try {
      await this.execute();
      report.state = 'succeeded';
    } catch (error) {
      report.state = error instanceof RunRefusedError ? 'refused' : 'failed';
      report.error = (error as Error).message ?? String(error);
    } finally {
      report.finishedAt = this.now();
      this.sampleMemory();
      if (this.peakRss > 0) {
        report.stages.push({
          name: 'memory',
          ms: 0,
          detail: {
            peakRssBytes: this.peakRss,
            peakHeapUsedBytes: this.peakHeap,
            peakHeapPlusArrayBuffersBytes: this.peakIsolate,
            baselineHeapPlusArrayBuffersBytes: this.baseline,
          },
        });
      }
      // The lock goes only once the final report is saved: a report still `running` without its
      // lock is shown as interrupted (`runAsSeen`). Unsaved, the lock expires instead.
      const saved = await this.deps.store.saveRun(report).then(
        () => true,
        () => false,
      );
      if (saved) await this.deps.store.releaseLock(report.runId).catch(() => false);
    }
    return report;
  }

  private async execute(): Promise<void> {
    const { deps, options, report } = this;
    const { version } = report;
    const worker = options.platform === 'worker';
    const limits = options.workerLimits ?? WORKER_LIMITS;
    const dims = options.train.dims;

    // Refuse a log that cannot fit before reading it.
    if (worker) {
      const length = await deps.eventLog.length();
      const max = workerMaxEvents(limits);
      if (length > max) {
        throw new RunRefusedError(
          `event log holds ${length} events; a Worker run can hold at most ${max} ` +
            `(${limits.memoryBytes / 2 ** 20} MB isolate); run \`npm run batch\` instead`,
        );
      }
    }

    let snapshot: Snapshot | null = await this.stage('snapshot', async () => {
      const s = await takeSnapshot(deps.eventLog, deps.catalogue, {
        chunk: options.readChunk,
        onProgress: (done, total) => this.progress('snapshot', done, total),
        onChunk: () => this.keepLock(),
      });
      return [
        s,
        {
          events: s.events.length,
          skipped: s.skipped,
          duplicates: s.duplicates,
          erased: s.erased,
          items: s.items.length,
          lastId: s.lastId ?? '',
        },
      ];
    });

    const events = snapshot.events.length;
    const data = await this.stage('interactions', async () => {
      const d = buildTrainingData(snapshot!, options.eventWeights);
      const x = d.interactions;
      report.data = {
        events,
        users: x.userIds.length,
        items: x.itemIds.length,
        nonZeros: x.values.length,
      };
      return [d, { ...report.data }];
    });
    // The event columns are not needed any more: training may use their memory.
    snapshot = null;
    this.refuseTooLittle(events, data);

    const trainConfig = await this.stage('limits', async () => {
      const size: RunSize = {
        events,
        users: data.interactions.userIds.length,
        items: data.interactions.itemIds.length,
        nonZeros: data.interactions.values.length,
        dims,
        easeMaxItems: 0,
      };
      const budget = limits.memoryBytes * limits.plannedShare;
      // The Worker also keeps to the default cap (a time bound: ≈ n³ flops per EASE fit) now that
      // its memory alone would allow more (one n×n matrix: ~2,750 items beside ML-100K's data).
      const easeCap = options.train.easeMaxItems ?? DEFAULT_TRAIN_CONFIG.easeMaxItems;
      size.easeMaxItems = worker ? Math.min(easeCap, easeMaxItemsFor(size, budget)) : easeCap;
      const estimate = estimateMemory(size);
      const refusal = worker ? workerRefusal(size, limits) : null;
      if (refusal) throw new RunRefusedError(refusal);
      const config: TrainConfig = {
        topN: LIMITS.topN,
        neighbours: LIMITS.neighbours,
        ...options.train,
        easeMaxItems: size.easeMaxItems,
        // Training reads no clock itself; this one times its stages and ALS throughput (in
        // workerd time only advances on I/O, so there the timings stay 0).
        clock: () => performance.now(),
      };
      return [
        config,
        {
          platform: options.platform,
          estimatedBytes: Math.round(estimate.total),
          workerBudgetBytes: Math.round(budget),
          easeMaxItems: size.easeMaxItems,
        },
      ];
    });

    const trained = await this.stage('train', async () => {
      const t = deps.trainAll(data.interactions, data.items, trainConfig, (p) =>
        this.progress(`train:${p.stage}`, p.done, p.total),
      );
      report.hyperParameters = t.hyperParameters;
      if (t.validation) report.metrics = t.validation;
      const detail: Record<string, number | string> = { model: t.model, dims: t.dims };
      for (const [k, ms] of Object.entries(t.timings)) detail[`${k}Ms`] = Math.round(ms);
      if (t.alsThroughput !== null) detail.alsThroughput = Math.round(t.alsThroughput);
      return [t, detail];
    });

    const written = await this.stage('write', async () => {
      const w = await writeOutputs(
        data,
        trained,
        { redis: deps.store, kv: deps.kv, vectors: deps.vectors },
        {
          version,
          createdAt: report.startedAt,
          eventWeights: options.eventWeights,
          chunk: options.writeChunk,
          kvPlan: options.kvPlan,
          onProgress: (done, total) => this.progress('write', done, total),
          onChunk: () => this.keepLock(),
        },
      );
      return [w, writeDetail(w)];
    });

    await this.stage('verify', async () => [
      null,
      await verifyVersion(version, written, {
        redis: deps.store,
        kv: deps.kv,
        vectors: deps.vectors,
      }),
    ]);

    await this.keepLock(true);
    // Users erased while this run worked (still listed: the snapshot settled the earlier ones):
    // their lists in this version came from events since deleted.
    const erasedSince = [...(await deps.eventLog.erasures()).keys()];
    if (erasedSince.length > 0) {
      await deps.store.deleteTopN(version, erasedSince);
      await deps.kv?.deleteTopN(version, erasedSince);
    }
    await options.hooks?.beforeFlip?.(report);

    await this.stage('flip', async () => {
      const flipped = await flipVersion(
        deps.store,
        deps.kv,
        version,
        report.startedAt,
        report.runId,
        this.now,
      );
      return [
        null,
        {
          current: flipped.pointer.current ?? '',
          previous: flipped.pointer.previous ?? '',
          kv: flipped.kv,
        },
      ];
    });

    // After the flip the run has succeeded; clean-up failures are reported, not fatal.
    await this.cleanupStage('fresh', async () => {
      const removed = await deps.catalogue.clearFresh(data.interactions.itemIds, report.startedAt);
      return [null, { removed }];
    });
    await this.cleanupStage('gc', async () => {
      const gc = await collectGarbage(
        { versions: deps.store, redis: deps.store, kv: deps.kv, vectors: deps.vectors },
        this.now(),
        version,
      );
      return [
        null,
        {
          collected: gc.collected.join(' '),
          redisKeys: gc.redisKeys,
          kvKeys: gc.kvKeys,
          kvComplete: gc.kvComplete ? 'yes' : 'no (budget)',
          namespaces: gc.namespaces,
        },
      ];
    });
  }

  private refuseTooLittle(events: number, data: TrainingData): void {
    const min = this.options.minInteractions ?? DEFAULT_MIN_INTERACTIONS;
    const x = data.interactions;
    if (x.values.length < min || x.userIds.length < 2 || x.itemIds.length < 2) {
      throw new RunRefusedError(
        `not enough data to train: ${events} events gave ${x.values.length} ` +
          `interactions from ${x.userIds.length} users on ${x.itemIds.length} items ` +
          `(need at least ${min} interactions, 2 users and 2 items); nothing was written`,
      );
    }
  }

  /** A stage after the flip: its failure is recorded in the report but does not fail the run. */
  private async cleanupStage(
    name: string,
    body: () => Promise<[null, Record<string, number | string>]>,
  ): Promise<void> {
    try {
      await this.stage(name, body);
    } catch (error) {
      if (error instanceof LockLostError) throw error;
      await this.deps.store.saveRun(this.report);
    }
  }

  /** Runs one stage, times it, records it in the report and saves the report. */
  private async stage<T>(
    name: string,
    body: () => Promise<[T, Record<string, number | string>]>,
  ): Promise<T> {
    await this.keepLock(true);
    const start = this.now();
    let result: T;
    let detail: Record<string, number | string>;
    try {
      [result, detail] = await body();
    } catch (error) {
      const entry: BatchStageReport = {
        name,
        ms: this.now() - start,
        detail: { error: (error as Error).message ?? String(error) },
      };
      this.report.stages.push(entry);
      this.options.onStage?.(entry, this.report);
      throw error;
    }
    this.sampleMemory();
    const entry: BatchStageReport = { name, ms: this.now() - start, detail };
    this.report.stages.push(entry);
    this.options.onStage?.(entry, this.report);
    await this.deps.store.saveRun(this.report);
    return result;
  }

  private progress(stage: string, done: number, total: number): void {
    this.sampleMemory();
    this.options.onProgress?.(stage, done, total);
  }

  /** Refreshes the lock when due (or now); throws `LockLostError` when another run has it. */
  private async keepLock(force = false): Promise<void> {
    this.sampleMemory();
    const every = Math.min(LOCK_REFRESH_MS, this.lockTtlMs / 3);
    if (!force && this.now() - this.lastRefresh < every) return;
    if (!(await this.deps.store.refreshLock(this.report.runId, this.lockTtlMs))) {
      throw new LockLostError(this.report.runId);
    }
    this.lastRefresh = this.now();
  }

  private sampleMemory(): void {
    if (!this.deps.memoryUsage) return;
    const { rss, heapUsed, arrayBuffers } = this.deps.memoryUsage();
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakHeap = Math.max(this.peakHeap, heapUsed);
    this.peakIsolate = Math.max(this.peakIsolate, heapUsed + arrayBuffers);
  }
}

function writeDetail(w: WriteReport): Record<string, number | string> {
  const detail: Record<string, number | string> = {
    topN: w.redis.topN,
    neighbours: w.redis.neighbours,
    popular: w.redis.popular,
    categories: w.categories.length,
    vectors: w.vectors ?? 'skipped (no vector index)',
  };
  if (w.kv) {
    detail.kvTopN = w.kv.topN;
    detail.kvNeighbours = w.kv.neighbours;
  } else {
    detail.kv = 'skipped: no KV here; the edge reads this version from Redis';
  }
  return detail;
}
