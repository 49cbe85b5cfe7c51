/**
 * The naive baseline: exact scoring of every item for the user on each request (dot product of the
 * user vector with every item vector, then a full sort), in this process. It is the approach that
 * cannot scale; its cost per request against the served path's shows what caching and ANN buy.
 */
import { createRng } from '../shared/training/random';
import { summariseSample, type SampleSummary } from './stats';

/**
 * Exact top-k: scores all `items` rows of the row-major `factors` (items × dims) against `user`,
 * sorts every item by score (descending, ties by index) and returns the first k not in `seen`.
 */
export function exactTopK(
  user: Float32Array,
  factors: Float32Array,
  items: number,
  dims: number,
  k: number,
  seen: ReadonlySet<number> = new Set(),
): number[] {
  const scores = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    let s = 0;
    const row = i * dims;
    for (let d = 0; d < dims; d++) s += (user[d] as number) * (factors[row + d] as number);
    scores[i] = s;
  }
  const order = Array.from({ length: items }, (_, i) => i);
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const out: number[] = [];
  for (const i of order) {
    if (seen.has(i)) continue;
    out.push(i);
    if (out.length === k) break;
  }
  return out;
}

export interface NaiveOptions {
  items: number;
  dims: number;
  /** Distinct user vectors cycled through (so no answer is trivially cached by the CPU). */
  users: number;
  requests: number;
  /** Seen items excluded per user (a typical history length). */
  seenPerUser: number;
  k: number;
  seed: number;
}

export interface NaiveResult {
  items: number;
  dims: number;
  requests: number;
  /** Per-request CPU milliseconds (single thread). */
  perRequestMs: SampleSummary;
  /** Requests per second one core sustains at the median cost. */
  reqPerSecPerCore: number;
}

/**
 * Times the naive baseline on seeded random factors of the given shape. Only the shape matters for
 * its cost (a dot product per item and an n·log n sort), so it stands for the trained factors of
 * the same size.
 */
export function measureNaive(options: NaiveOptions): NaiveResult {
  const rng = createRng(options.seed);
  const factors = new Float32Array(options.items * options.dims);
  for (let i = 0; i < factors.length; i++) factors[i] = rng.normal() * 0.1;
  const users = Array.from({ length: options.users }, () => {
    const v = new Float32Array(options.dims);
    for (let d = 0; d < options.dims; d++) v[d] = rng.normal() * 0.1;
    const seen = new Set<number>();
    while (seen.size < Math.min(options.seenPerUser, options.items - options.k))
      seen.add(rng.int(options.items));
    return { v, seen };
  });
  // Warm-up so that the JIT has compiled the loop before timing starts.
  for (let r = 0; r < Math.min(20, options.requests); r++) {
    const u = users[r % users.length]!;
    exactTopK(u.v, factors, options.items, options.dims, options.k, u.seen);
  }
  const times: number[] = [];
  let checksum = 0;
  for (let r = 0; r < options.requests; r++) {
    const u = users[r % users.length]!;
    const started = performance.now();
    const top = exactTopK(u.v, factors, options.items, options.dims, options.k, u.seen);
    times.push(performance.now() - started);
    checksum += top[0] ?? 0;
  }
  if (!Number.isFinite(checksum)) throw new Error('naive baseline produced no answer');
  const perRequestMs = summariseSample(times);
  return {
    items: options.items,
    dims: options.dims,
    requests: options.requests,
    perRequestMs,
    reqPerSecPerCore: 1000 / perRequestMs.p50,
  };
}
