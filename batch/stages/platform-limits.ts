/**
 * What a run costs and what a Worker invocation allows. The batch worker refuses a run whose
 * estimate does not fit (report state `refused`, pointing to `npm run batch`); the command line
 * has no such limit. The memory model is calibrated against Node's `process.memoryUsage()` on
 * the demo and MovieLens data (batch/measure.ts prints estimate and measurement side by side).
 */
import { FEATURE_COUNT } from '../../shared/domain/features';
import { LIMITS } from '../../shared/keys';
import { easeBytes } from '../../shared/training/ease';

/** Limits that bound a batch run inside the worker. */
export interface WorkerLimits {
  memoryBytes: number;
  plannedShare: number;
  cronCpuMs: number;
  requestCpuMs: number;
  subrequests: number;
}

/** Cloudflare Workers limits that bound a batch run inside the worker (paid plan). */
export const WORKER_LIMITS: WorkerLimits = {
  /** Memory of one isolate. */
  memoryBytes: 128 * 1024 * 1024,
  /** Share of it a run may plan to use (garbage not yet collected needs the rest). */
  plannedShare: 0.85,
  /** CPU time of a Cron Trigger invocation whose schedule is hourly or less frequent (15 min). */
  cronCpuMs: 15 * 60 * 1000,
  /** CPU time of a request (the `POST /runs` path keeps running in `waitUntil`, same ceiling, 5 min). */
  requestCpuMs: 5 * 60 * 1000,
  /** Subrequests (each Redis pipeline, vector upsert and KV call is one) per invocation. */
  subrequests: 10_000,
};

/** Sizes a run's cost is estimated from. */
export interface RunSize {
  events: number;
  users: number;
  items: number;
  /** Distinct (user, item) pairs; at most `events`. */
  nonZeros: number;
  dims: number;
  /** Largest item count for which EASE is tried (0 disables it). */
  easeMaxItems: number;
}

/** Bytes per event of the snapshot's columns (4 + 4 + 4 + 8 + 8, rounded up for growth slack). */
const SNAPSHOT_BYTES_PER_EVENT = 32;
/**
 * Bytes per event, at most, of the ids table that de-duplicates the log while it is read (8 per
 * slot, 2–4 slots per event, plus the old table while it grows); gone once the snapshot is taken.
 */
const SEEN_IDS_BYTES_PER_EVENT = 48;
/**
 * Items × items Float64 matrices alive at once while EASE is tuned and fitted: one (trainEase
 * builds, inverts and turns it into B in place; the search refits its winner instead of keeping
 * it beside the next trial).
 */
const EASE_MATRICES = 1;
/** Rows of the scorer's training set at most (MAX_SCORER_ROWS in shared/training/index.ts). */
const SCORER_ROWS_CAP = 100_000;
/** The runtime, the code and the chunk being written. */
const RUNTIME_BYTES = 24 * 1024 * 1024;

/** Estimated peak memory of a run in bytes, term by term (what the report shows). */
export interface MemoryEstimate {
  total: number;
  terms: Record<string, number>;
}

/**
 * Peak memory, summing the data structures of every phase (conservative: the event columns are
 * released before training), or, when larger, what reading the log alone holds (the columns, the
 * ids table that de-duplicates the log — up to 48 bytes per event, gone before anything below
 * exists — and the runtime):
 * - snapshot columns: 5 numbers per event (32 bytes) and ~80 bytes per interned id;
 * - the interaction matrix in COO plus its user- and item-major copies (~60 bytes per non-zero);
 * - user and item factors in Float32 and the Float64 working rows of ALS (~36 bytes per row·dim);
 * - EASE, when attempted: one dense items × items Float64 matrix (`easeBytes`), the only one
 *   alive at any time, tuning included;
 * - the scorer's training set: one Float64 feature row per top-N candidate of the validation users
 *   it samples, at most 100,000 rows (12.8 MB);
 * - a fixed 24 MB for the runtime, the code and the chunk being written.
 * Checked against live memory (heap + ArrayBuffers after two GCs at each sample,
 * batch/measure.ts): MovieLens-100K with EASE (1,682 items) 44 MB above the process baseline,
 * tuned or not, estimated 48.5 MB without the runtime term; 1M generated events, ALS, 63–67 MB,
 * estimated 129 MB (the snapshot columns counted here are released before training). Earlier
 * figures of 97–108 MB for MovieLens-100K were samples taken without a GC (garbage counted).
 */
export function estimateMemory(size: RunSize): MemoryEstimate {
  const rows = size.users + size.items;
  const terms: Record<string, number> = {
    snapshot: size.events * SNAPSHOT_BYTES_PER_EVENT + rows * 80,
    interactions: size.nonZeros * 60,
    factors: rows * size.dims * 36,
    ease: size.items <= size.easeMaxItems ? EASE_MATRICES * easeBytes(size.items) : 0,
    scorer: Math.min(size.users * LIMITS.topN, SCORER_ROWS_CAP) * FEATURE_COUNT * 8,
    runtime: RUNTIME_BYTES,
  };
  const phases = Object.values(terms).reduce((a, b) => a + b, 0);
  const reading = terms.snapshot! + size.events * SEEN_IDS_BYTES_PER_EVENT + RUNTIME_BYTES;
  return { total: Math.max(phases, reading), terms };
}

/** Why a run does not fit the Worker, or null when it does. */
export function workerRefusal(size: RunSize, limits: WorkerLimits = WORKER_LIMITS): string | null {
  const estimate = estimateMemory(size);
  const budget = limits.memoryBytes * limits.plannedShare;
  if (estimate.total <= budget) return null;
  const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
  return (
    `run too large for a Worker invocation: estimated ${mb(estimate.total)} for ` +
    `${size.events} events, ${size.users} users, ${size.items} items, ${size.dims} dims ` +
    `(limit ${mb(budget)} of the isolate's ${mb(limits.memoryBytes)}); ` +
    'run `npm run batch` on a machine with more memory instead'
  );
}

/**
 * EASE item cap for a memory budget: the largest n whose 8·n² bytes fit next to the rest of the
 * run, so that the Worker never tries an EASE solve it cannot hold.
 */
export function easeMaxItemsFor(size: Omit<RunSize, 'easeMaxItems'>, budgetBytes: number): number {
  const rest = estimateMemory({ ...size, easeMaxItems: 0 }).total;
  const free = budgetBytes - rest;
  return free <= 0 ? 0 : Math.floor(Math.sqrt(free / (EASE_MATRICES * easeBytes(1))));
}

/**
 * The longest log a Worker run could hold at all: beyond it reading the snapshot alone (its columns
 * and ids table, 80 bytes per event) exceeds the budget, whatever the data's shape. Checked against
 * the log length, so that such a log is refused before it is read; the full estimate is checked
 * once the sizes are known.
 */
export function workerMaxEvents(limits: WorkerLimits = WORKER_LIMITS): number {
  const free = limits.memoryBytes * limits.plannedShare - RUNTIME_BYTES;
  return Math.max(0, Math.floor(free / (SNAPSHOT_BYTES_PER_EVENT + SEEN_IDS_BYTES_PER_EVENT)));
}

/**
 * The largest data set of a typical shape (20 events per user, 50 per item, 90% distinct pairs)
 * that fits a Worker run at `dims`, without EASE: the figure the README and the run report state.
 */
export function workerCapacity(
  dims: number,
  limits: WorkerLimits = WORKER_LIMITS,
): { events: number; users: number; items: number } {
  const shape = (n: number): RunSize => ({
    events: n,
    users: Math.ceil(n / 20),
    items: Math.ceil(n / 50),
    nonZeros: Math.ceil(n * 0.9),
    dims,
    easeMaxItems: 0,
  });
  const budget = limits.memoryBytes * limits.plannedShare;
  let lo = 0;
  let hi = 50_000_000;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimateMemory(shape(mid)).total <= budget) lo = mid;
    else hi = mid - 1;
  }
  const { events, users, items } = shape(lo);
  return { events, users, items };
}
