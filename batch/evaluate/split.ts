/** Seeded per-item stratified split of a ratings file (the Microsoft Recommenders protocol, by item). */
import { createRng, shuffleInPlace } from '../../shared/training/random';
import type { RatingColumns } from './read-ratings';

/**
 * For every item, shuffles its rows with `seed` and keeps round(ratio × n) of them for training,
 * the rest for testing (as `python_stratified_split(..., filter_by="item")` does).
 */
export function splitPerItem(
  data: RatingColumns,
  ratio: number,
  seed: number,
): { train: RatingColumns; test: RatingColumns } {
  const rng = createRng(seed);
  const rowsOf = new Map<string, number[]>();
  data.items.forEach((item, row) => {
    let list = rowsOf.get(item);
    if (!list) rowsOf.set(item, (list = []));
    list.push(row);
  });
  const inTrain = new Uint8Array(data.items.length);
  for (const rows of rowsOf.values()) {
    const order = shuffleInPlace(Int32Array.from(rows), rng);
    const keep = Math.round(ratio * order.length);
    for (let k = 0; k < keep; k++) inTrain[order[k]!] = 1;
  }
  const pick = (flag: number): RatingColumns => {
    const out: RatingColumns = { users: [], items: [], ratings: [], timestamps: [] };
    for (let r = 0; r < inTrain.length; r++) {
      if (inTrain[r] !== flag) continue;
      out.users.push(data.users[r]!);
      out.items.push(data.items[r]!);
      out.ratings.push(data.ratings[r]!);
      out.timestamps.push(data.timestamps[r]!);
    }
    return out;
  };
  return { train: pick(1), test: pick(0) };
}
