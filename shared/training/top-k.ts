/** Partial selection of the k best scores (a bounded min-heap over typed arrays, no per-item objects). */

/**
 * Selects the `k` highest finite scores of `scores[0..n)` (entries equal to -Infinity are skipped)
 * into `outIndex` / `outScore`, best first; ties go to the lower index so results are
 * deterministic. Returns how many were selected (≤ k).
 */
export function selectTopK(
  scores: ArrayLike<number>,
  n: number,
  k: number,
  outIndex: Int32Array,
  outScore: Float64Array,
): number {
  if (k <= 0) return 0;
  // Min-heap on (score, -index): the root is the worst of the kept items.
  let size = 0;
  const worse = (a: number, b: number): boolean => {
    const sa = outScore[a]!;
    const sb = outScore[b]!;
    return sa < sb || (sa === sb && outIndex[a]! > outIndex[b]!);
  };
  const swap = (a: number, b: number): void => {
    const ti = outIndex[a]!;
    outIndex[a] = outIndex[b]!;
    outIndex[b] = ti;
    const ts = outScore[a]!;
    outScore[a] = outScore[b]!;
    outScore[b] = ts;
  };
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      let m = l;
      if (l + 1 < size && worse(l + 1, l)) m = l + 1;
      if (!worse(m, i)) return;
      swap(i, m);
      i = m;
    }
  };
  for (let j = 0; j < n; j++) {
    const s = scores[j]!;
    if (s === -Infinity || s !== s) continue;
    if (size < k) {
      outIndex[size] = j;
      outScore[size] = s;
      let i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
    } else if (s > outScore[0]!) {
      // Equal scores keep the earlier (lower) index already in the heap.
      outIndex[0] = j;
      outScore[0] = s;
      siftDown(0);
    }
  }
  // Heap sort: repeatedly move the worst to the end, giving best-first order.
  const count = size;
  while (size > 1) {
    swap(0, size - 1);
    size--;
    siftDown(0);
  }
  return count;
}
