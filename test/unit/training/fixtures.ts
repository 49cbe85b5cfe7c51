/** Synthetic interaction data with a planted low-rank structure, shared by the training tests. */
import { interactionsFromColumns } from '../../../shared/training/interactions';
import { createRng } from '../../../shared/training/random';
import type { Interactions } from '../../../shared/training/types';

export interface PlantedData {
  train: Interactions;
  /** Held-out items per user id (taken from the same planted preferences). */
  heldOut: Map<string, Set<string>>;
}

/**
 * `users` × `items` with rank-`rank` true preferences: each user takes the `taken` items of
 * highest true score (timestamps one minute apart, in a random order); `holdOut` of them per user
 * are kept aside as relevant test items.
 */
export function plantedData(
  seed: number,
  users = 60,
  items = 40,
  rank = 3,
  taken = 12,
  holdOut = 3,
): PlantedData {
  const rng = createRng(seed);
  const u = Array.from({ length: users * rank }, () => rng.normal());
  const v = Array.from({ length: items * rank }, () => rng.normal());
  const cu: string[] = [];
  const ci: string[] = [];
  const cv: number[] = [];
  const ct: number[] = [];
  const heldOut = new Map<string, Set<string>>();
  for (let a = 0; a < users; a++) {
    const scores = Array.from({ length: items }, (_, i) => {
      let s = 0;
      for (let r = 0; r < rank; r++) s += u[a * rank + r]! * v[i * rank + r]!;
      return { i, s };
    }).sort((x, y) => y.s - x.s);
    const chosen = scores.slice(0, taken).map((x) => x.i);
    for (let k = chosen.length - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      [chosen[k], chosen[j]] = [chosen[j]!, chosen[k]!];
    }
    const userId = `u${a}`;
    heldOut.set(userId, new Set(chosen.slice(0, holdOut).map((i) => `i${i}`)));
    chosen.slice(holdOut).forEach((i, k) => {
      cu.push(userId);
      ci.push(`i${i}`);
      cv.push(1 + (k % 5));
      ct.push(1_000_000 + a * 86_400_000 + k * 60_000);
    });
  }
  return { train: interactionsFromColumns(cu, ci, cv, ct), heldOut };
}

/** Mean over users of the AUC of held-out items against items the user never took. */
export function heldOutAuc(
  data: PlantedData,
  score: (user: number, item: number) => number,
): number {
  const { train, heldOut } = data;
  const itemIndex = new Map(train.itemIds.map((id, i) => [id, i]));
  const seen = new Map<number, Set<number>>();
  for (let e = 0; e < train.rows.length; e++) {
    const r = train.rows[e]!;
    if (!seen.has(r)) seen.set(r, new Set());
    seen.get(r)!.add(train.cols[e]!);
  }
  let total = 0;
  let users = 0;
  train.userIds.forEach((userId, u) => {
    const pos = [...heldOut.get(userId)!]
      .map((id) => itemIndex.get(id))
      .filter((i) => i !== undefined);
    const neg = train.itemIds
      .map((_, i) => i)
      .filter((i) => !seen.get(u)!.has(i) && !pos.includes(i));
    if (pos.length === 0 || neg.length === 0) return;
    let wins = 0;
    for (const p of pos)
      for (const n of neg)
        wins += score(u, p) > score(u, n) ? 1 : score(u, p) === score(u, n) ? 0.5 : 0;
    total += wins / (pos.length * neg.length);
    users++;
  });
  return total / users;
}
