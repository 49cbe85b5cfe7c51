/** Compressed sparse row views of `Interactions` (by user and by item) for the training loops. */
import type { Interactions } from './types';

/** Rows `r` own entries `indptr[r] .. indptr[r+1]`: column `indices[e]`, value `values[e]`. */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  /** Latest timestamp of each entry (ms). */
  timestamps: Float64Array;
}

/** The user × item matrix in CSR form (columns sorted within each row). */
export function userMajor(data: Interactions): Csr {
  return toCsr(data.userIds.length, data.itemIds.length, data.rows, data.cols, data);
}

/** The item × user matrix (the transpose) in CSR form. */
export function itemMajor(data: Interactions): Csr {
  return toCsr(data.itemIds.length, data.userIds.length, data.cols, data.rows, data);
}

function toCsr(
  nRows: number,
  nCols: number,
  rowOf: Int32Array,
  colOf: Int32Array,
  data: Interactions,
): Csr {
  const n = rowOf.length;
  const indptr = new Int32Array(nRows + 1);
  for (let e = 0; e < n; e++) indptr[rowOf[e]! + 1] = indptr[rowOf[e]! + 1]! + 1;
  for (let r = 0; r < nRows; r++) indptr[r + 1] = indptr[r + 1]! + indptr[r]!;
  const fill = indptr.slice(0, nRows);
  const order = new Int32Array(n);
  // Entries are visited in input order, so a row-sorted input stays column-sorted per row, and the
  // transpose of a (row, col)-sorted input comes out sorted too (a counting sort is stable).
  for (let e = 0; e < n; e++) order[fill[rowOf[e]!]!++] = e;
  const indices = new Int32Array(n);
  const values = new Float32Array(n);
  const timestamps = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const e = order[k]!;
    indices[k] = colOf[e]!;
    values[k] = data.values[e]!;
    timestamps[k] = data.timestamps[e]!;
  }
  sortRows(indptr, indices, values, timestamps);
  return { rows: nRows, cols: nCols, indptr, indices, values, timestamps };
}

/** Sorts the columns of every row that is not sorted yet (input need not be ordered by column). */
function sortRows(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  timestamps: Float64Array,
): void {
  for (let r = 0; r + 1 < indptr.length; r++) {
    const a = indptr[r]!;
    const b = indptr[r + 1]!;
    let sorted = true;
    for (let e = a + 1; e < b && sorted; e++) sorted = indices[e - 1]! <= indices[e]!;
    if (sorted) continue;
    const perm = Array.from({ length: b - a }, (_, k) => a + k).sort(
      (x, y) => indices[x]! - indices[y]!,
    );
    const ci = perm.map((e) => indices[e]!);
    const cv = perm.map((e) => values[e]!);
    const ct = perm.map((e) => timestamps[e]!);
    indices.set(ci, a);
    values.set(cv, a);
    timestamps.set(ct, a);
  }
}

/** Whether row `r` of `m` contains column `c` (binary search; columns are sorted). */
export function csrHas(m: Csr, r: number, c: number): boolean {
  let lo = m.indptr[r]!;
  let hi = m.indptr[r + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = m.indices[mid]!;
    if (x === c) return true;
    if (x < c) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
