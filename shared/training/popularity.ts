/** Item popularity (weighted interaction counts, optionally time-decayed): baseline and cold-start fallback. */
import type { Interactions } from './types';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Σ of interaction weights per item. With `halfLifeDays` > 0 each entry is multiplied by
 * 0.5^(age / half-life), age counted from `referenceTime` (default: the latest entry), so that
 * recent interest outweighs old interest (trending without a clock).
 */
export function itemPopularity(
  data: Interactions,
  halfLifeDays = 0,
  referenceTime?: number,
): Float64Array {
  const pop = new Float64Array(data.itemIds.length);
  const n = data.values.length;
  if (halfLifeDays > 0) {
    let ref = referenceTime ?? -Infinity;
    if (referenceTime === undefined)
      for (let e = 0; e < n; e++) ref = Math.max(ref, data.timestamps[e]!);
    const h = halfLifeDays * DAY_MS;
    for (let e = 0; e < n; e++) {
      pop[data.cols[e]!] =
        pop[data.cols[e]!]! +
        data.values[e]! * Math.pow(0.5, Math.max(0, ref - data.timestamps[e]!) / h);
    }
  } else {
    for (let e = 0; e < n; e++) pop[data.cols[e]!] = pop[data.cols[e]!]! + data.values[e]!;
  }
  return pop;
}

/** Number of distinct users per item (binary popularity). */
export function itemUserCounts(data: Interactions): Float64Array {
  const pop = new Float64Array(data.itemIds.length);
  for (let e = 0; e < data.cols.length; e++) pop[data.cols[e]!] = pop[data.cols[e]!]! + 1;
  return pop;
}
