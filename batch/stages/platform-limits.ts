/**
 * What a run costs and what a Worker invocation allows. The batch worker refuses a run whose
 * estimate does not fit (report state `refused`, pointing to `npm run batch`); the command line
 * has no such limit. The memory model is calibrated against Node's `process.memoryUsage()` on
 * the demo and MovieLens data (batch/measure.ts prints estimate and measurement side by side).
 */

/** Cloudflare Workers limits that bound a batch run inside the worker (paid plan). */
export const WORKER_LIMITS = {
  /** Memory of one isolate. */
  memoryBytes: 128 * 1024 * 1024,
  /** Share of it a run may plan to use (the runtime, the code and garbage need the rest). */
  plannedShare: 0.75,
  /** CPU time of a Cron Trigger invocation whose schedule is hourly or less frequent (15 min). */
  cronCpuMs: 15 * 60 * 1000,
  /** CPU time of a request (the `POST /runs` path keeps running in `waitUntil`, same ceiling, 5 min). */
  requestCpuMs: 5 * 60 * 1000,
  /** Subrequests (each Redis pipeline, vector upsert and KV call is one) per invocation. */
  subrequests: 10_000,
} as const;

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

/** Estimated peak memory of a run in bytes, term by term (what the report shows). */
export interface MemoryEstimate {
  total: number;
  terms: Record<string, number>;
}

/**
 * Peak memory, by the data structures alive at the peak (training):
 * - snapshot columns: 5 numbers per event (32 bytes) and ~80 bytes per interned id;
 * - the interaction matrix in COO plus its user- and item-major copies (~60 bytes per non-zero);
 * - user and item factors in Float32 and the Float64 working rows of ALS (~36 bytes per row·dim);
 * - EASE, when attempted: a dense items × items Float64 Gram matrix and its inverse (16·n²);
 * - a fixed 24 MB for the runtime, the code and the chunk being written.
 */
export function estimateMemory(size: RunSize): MemoryEstimate {
  const rows = size.users + size.items;
  const terms: Record<string, number> = {
    snapshot: size.events * 32 + rows * 80,
    interactions: size.nonZeros * 60,
    factors: rows * size.dims * 36,
    ease: size.items <= size.easeMaxItems ? 16 * size.items * size.items : 0,
    runtime: 24 * 1024 * 1024,
  };
  const total = Object.values(terms).reduce((a, b) => a + b, 0);
  return { total, terms };
}

/** Why a run does not fit the Worker, or null when it does. */
export function workerRefusal(size: RunSize, limits = WORKER_LIMITS): string | null {
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
 * EASE item cap for a memory budget: the largest n whose 16·n² bytes fit next to the rest of the
 * run, so that the Worker never tries an EASE solve it cannot hold.
 */
export function easeMaxItemsFor(size: Omit<RunSize, 'easeMaxItems'>, budgetBytes: number): number {
  const rest = estimateMemory({ ...size, easeMaxItems: 0 }).total;
  const free = budgetBytes - rest;
  return free <= 0 ? 0 : Math.floor(Math.sqrt(free / 16));
}

/**
 * The largest event count a Worker run can hold before the snapshot is even read, assuming the
 * shape of typical data (users ≈ events / 20, items ≈ events / 50, non-zeros ≈ 0.9 · events) and
 * no EASE. Checked against the log length so that an oversized log is refused before it is read.
 */
export function workerMaxEvents(dims: number, limits = WORKER_LIMITS): number {
  const budget = limits.memoryBytes * limits.plannedShare;
  let lo = 0;
  let hi = 50_000_000;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const size: RunSize = {
      events: mid,
      users: Math.ceil(mid / 20),
      items: Math.ceil(mid / 50),
      nonZeros: Math.ceil(mid * 0.9),
      dims,
      easeMaxItems: 0,
    };
    if (estimateMemory(size).total <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
