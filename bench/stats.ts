/** Order statistics for benchmark figures: percentiles of samples and the spread of repeated runs. */

/**
 * The p-th percentile (0..100) of `values` by linear interpolation between the two closest ranks
 * (Hyndman & Fan type 7, the default of R and NumPy). Throws on an empty sample.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (h - lo);
}

/** Latency-style summary of one sample. */
export interface SampleSummary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Summarises a sample (e.g. per-request milliseconds); throws on an empty sample. */
export function summariseSample(values: readonly number[]): SampleSummary {
  if (values.length === 0) throw new RangeError('summary of an empty sample');
  let sum = 0;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
  }
  return {
    n: values.length,
    mean: sum / values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max,
  };
}

/** One figure measured in several repeated runs: the median is reported, min..max is the spread. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  /** Interquartile range (type-7 quartiles); 0 with a single run. */
  iqr: number;
  runs: number[];
}

/** Combines the values of one figure over repeated runs (non-finite values are rejected). */
export function figure(runs: readonly number[]): Figure {
  if (runs.length === 0) throw new RangeError('a figure needs at least one run');
  for (const r of runs) {
    if (!Number.isFinite(r)) throw new RangeError(`a figure's runs must be finite, got ${r}`);
  }
  return {
    median: percentile(runs, 50),
    min: Math.min(...runs),
    max: Math.max(...runs),
    iqr: percentile(runs, 75) - percentile(runs, 25),
    runs: [...runs],
  };
}

/** A tree of numbers, as the measurement functions return them (null = not measured). */
export type NumberTree =
  number | null | string | boolean | NumberTree[] | { [key: string]: NumberTree };

/**
 * Merges the results of repeated runs with the same shape: every number becomes a `Figure` over the
 * runs, strings and booleans keep the first run's value, and arrays are kept from the first run
 * (lists such as per-request details are not figures). Missing values in later runs are ignored.
 */
export function combineRuns(runs: readonly NumberTree[]): unknown {
  const first = runs[0];
  if (first === undefined) return null;
  if (typeof first === 'number') {
    const nums = runs.filter((r): r is number => typeof r === 'number' && Number.isFinite(r));
    return nums.length > 0 ? figure(nums) : null;
  }
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return first;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first)) {
    const values = runs
      .map((r) => (r !== null && typeof r === 'object' && !Array.isArray(r) ? r[key] : undefined))
      .filter((v): v is NumberTree => v !== undefined);
    out[key] = combineRuns(values);
  }
  return out;
}
