/**
 * Carves a validation slice out of the TRAINING data (never the test data): per item, a seeded
 * random share of its interactions is held out, mirroring the per-item stratified protocol the
 * offline benchmark uses (Microsoft Recommenders' python_stratified_split by item).
 */
import { assemble } from './interactions';
import { createRng, shuffleInPlace } from './random';
import type { Interactions } from './types';

export interface ValidationSplit {
  /** The interactions models are fitted on while tuning (same id maps as the input). */
  fit: Interactions;
  /** The held-out interactions, relevant items of the validation ranking. */
  holdout: Interactions;
}

/**
 * Holds out floor(fraction × n_i) random interactions of every item i (items with few
 * interactions stay entirely in `fit`, as in the stratified split they cannot be split).
 */
export function splitPerItem(data: Interactions, fraction: number, seed: number): ValidationSplit {
  const rng = createRng(seed);
  const nItems = data.itemIds.length;
  const n = data.values.length;
  const start = new Int32Array(nItems + 1);
  for (let e = 0; e < n; e++) start[data.cols[e]! + 1] = start[data.cols[e]! + 1]! + 1;
  for (let i = 0; i < nItems; i++) start[i + 1] = start[i + 1]! + start[i]!;
  const fill = start.slice(0, nItems);
  const byItem = new Int32Array(n);
  for (let e = 0; e < n; e++) byItem[fill[data.cols[e]!]!++] = e;
  const held = new Uint8Array(n);
  for (let i = 0; i < nItems; i++) {
    const seg = byItem.subarray(start[i]!, start[i + 1]!);
    shuffleInPlace(seg, rng);
    const k = Math.floor(seg.length * fraction);
    for (let j = 0; j < k; j++) held[seg[j]!] = 1;
  }
  return { fit: subset(data, held, 0), holdout: subset(data, held, 1) };
}

function subset(data: Interactions, flags: Uint8Array, keep: number): Interactions {
  const pick: number[] = [];
  for (let e = 0; e < flags.length; e++) if (flags[e] === keep) pick.push(e);
  const take = <T extends Int32Array | Float32Array | Float64Array>(src: T, dst: T): T => {
    for (let k = 0; k < pick.length; k++) dst[k] = src[pick[k]!]!;
    return dst;
  };
  return assemble(
    data.userIds,
    data.itemIds,
    take(data.rows, new Int32Array(pick.length)),
    take(data.cols, new Int32Array(pick.length)),
    take(data.values, new Float32Array(pick.length)),
    take(data.timestamps, new Float64Array(pick.length)),
  );
}
