/**
 * Dense linear algebra on row-major Float64Arrays: Gram matrices, Cholesky solves and an in-place
 * inverse of a symmetric positive-definite matrix (EASE). Inner loops run over contiguous rows.
 */

/** `out = FᵀF` (dims × dims) of row-major factors `f` (rows × dims). */
export function gramOf(
  f: ArrayLike<number>,
  rows: number,
  dims: number,
  out: Float64Array = new Float64Array(dims * dims),
): Float64Array {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * dims;
    for (let a = 0; a < dims; a++) {
      const fa = f[o + a]!;
      if (fa === 0) continue;
      const row = a * dims;
      for (let b = a; b < dims; b++) out[row + b] = out[row + b]! + fa * f[o + b]!;
    }
  }
  for (let a = 0; a < dims; a++) for (let b = 0; b < a; b++) out[a * dims + b] = out[b * dims + a]!;
  return out;
}

/**
 * Cholesky factorisation A = LLᵀ in place (lower triangle of row-major `a`, n × n). Throws when A
 * is not positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError('matrix is not positive definite');
        a[ri + i] = Math.sqrt(s);
      } else {
        a[ri + j] = s / a[rj + j]!;
      }
    }
  }
}

/** Solves LLᵀx = b given the factor from `choleskyInPlace`; writes x into `b`. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    const ri = i * n;
    for (let k = 0; k < i; k++) s -= l[ri + k]! * b[k]!;
    b[i] = s / l[ri + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

/** Solves the SPD system Ax = b directly (copies A); the reference the CG solver is tested against. */
export function solveSpd(a: ArrayLike<number>, n: number, b: ArrayLike<number>): Float64Array {
  const l = Float64Array.from(a as ArrayLike<number>);
  choleskyInPlace(l, n);
  const x = Float64Array.from(b as ArrayLike<number>);
  choleskySolveInPlace(l, n, x);
  return x;
}

/**
 * Replaces the SPD matrix `a` (row-major n × n, full) by its inverse, using only n² doubles of
 * memory plus O(n): A = UᵀU (right-looking upper Cholesky), W = U⁻¹ (upper, row by row from the
 * bottom), A⁻¹ = WWᵀ (row dot products). About n³ flops, every inner loop over a contiguous row.
 */
export function invertSpdInPlace(a: Float64Array, n: number): void {
  // 1. Upper Cholesky: row i of U is a[i][i..n). Right-looking: after finishing row i, subtract
  //    its outer product from the trailing upper triangle.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const d = a[ri + i]!;
    if (!(d > 0)) throw new RangeError('matrix is not positive definite');
    const uii = Math.sqrt(d);
    a[ri + i] = uii;
    const inv = 1 / uii;
    for (let j = i + 1; j < n; j++) a[ri + j] = a[ri + j]! * inv;
    for (let k = i + 1; k < n; k++) {
      const f = a[ri + k]!;
      if (f === 0) continue;
      const rk = k * n;
      for (let j = k; j < n; j++) a[rk + j] = a[rk + j]! - f * a[ri + j]!;
    }
  }
  // 2. W = U⁻¹ in place (upper): row i of W = (e_i − Σ_{k>i} U[i][k]·W[k,:]) / U[i][i].
  const tmp = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    tmp.fill(0, i, n);
    for (let k = i + 1; k < n; k++) {
      const f = a[ri + k]!;
      if (f === 0) continue;
      const rk = k * n;
      for (let j = k; j < n; j++) tmp[j] = tmp[j]! - f * a[rk + j]!;
    }
    const inv = 1 / a[ri + i]!;
    a[ri + i] = inv;
    for (let j = i + 1; j < n; j++) a[ri + j] = tmp[j]! * inv;
  }
  // 3. A⁻¹ = WWᵀ: (i, j ≤ i) = Σ_{k≥i} W[i][k]·W[j][k]. Written into the lower triangle; row i's
  //    diagonal last, since no later row reads W[i][i].
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = i; k < n; k++) s += a[ri + k]! * a[rj + k]!;
      tmp[j] = s;
    }
    for (let j = 0; j <= i; j++) a[ri + j] = tmp[j]!;
  }
  // Writing row i's lower part early is safe: it only overwrites W[i][j] for j < i, which are zero
  // in the upper-triangular W and never read. Mirror to the upper triangle.
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i]!;
}
