import { describe, expect, it } from 'vitest';
import { invertSpdInPlace, solveSpd } from '../../../shared/training/dense';
import { easeModel, itemGram, trainEase } from '../../../shared/training/ease';
import { maskSeen } from '../../../shared/training/base-model';
import { interactionsFromColumns } from '../../../shared/training/interactions';
import { createRng } from '../../../shared/training/random';
import { userMajor } from '../../../shared/training/sparse';
import { selectTopK } from '../../../shared/training/top-k';
import { heldOutAuc, plantedData } from './fixtures';

/** Textbook Gauss–Jordan inverse with partial pivoting on a copy (an independent reference). */
function referenceInverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]!;
    m[c] = m[c]!.map((x) => x / pivot);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      m[r] = m[r]!.map((x, j) => x - f * m[c]![j]!);
    }
  }
  return m.map((row) => row.slice(n));
}

describe('dense SPD inverse', () => {
  it('inverts a random SPD matrix in place (A·A⁻¹ = I)', () => {
    const rng = createRng(5);
    const n = 23;
    const f = Array.from({ length: n * 30 }, () => rng.normal());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? 0.5 : 0;
        for (let k = 0; k < 30; k++) s += f[i * 30 + k]! * f[j * 30 + k]!;
        a[i * n + j] = s;
      }
    const inv = a.slice();
    invertSpdInPlace(inv, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    // The direct solve agrees with the inverse: A⁻¹e₀ is the inverse's first column.
    const e0 = new Float64Array(n);
    e0[0] = 1;
    const col = solveSpd(a, n, e0);
    for (let i = 0; i < n; i++) expect(col[i]!).toBeCloseTo(inv[i * n]!, 9);
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => invertSpdInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(RangeError);
  });
});

describe('EASE (Steck 2019)', () => {
  // 5 users × 4 items, binary.
  const users = ['a', 'a', 'b', 'b', 'b', 'c', 'c', 'd', 'e', 'e'];
  const items = ['1', '2', '1', '2', '3', '3', '4', '4', '1', '3'];
  const data = interactionsFromColumns(users, items, new Array(10).fill(1), new Array(10).fill(0));
  const byUser = userMajor(data);
  const lambda = 2;

  it('B = I − P·diagMat(1/diag(P)) with P = (XᵀX + λI)⁻¹, computed directly', () => {
    const n = 4;
    const x = data.userIds.map((_, u) =>
      data.itemIds.map((_, i) =>
        Array.from(byUser.indices.subarray(byUser.indptr[u]!, byUser.indptr[u + 1]!)).includes(i)
          ? 1
          : 0,
      ),
    );
    const g = Array.from({ length: n }, (_, i) =>
      Array.from(
        { length: n },
        (_, j) => x.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? lambda : 0),
      ),
    );
    const p = referenceInverse(g);
    const b = trainEase(byUser, { lambda, binary: true, timeScaleMs: 0 });
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const expected = i === j ? 0 : -p[i]![j]! / p[j]![j]!;
        expect(b[i * n + j]!).toBeCloseTo(expected, 12);
      }
    // Scores are x_u·B: user a (items 1, 2) gets row 1 + row 2 of B.
    const out = new Float64Array(n);
    easeModel(b, byUser, true).scoreUser(0, out);
    for (let j = 0; j < n; j++) expect(out[j]!).toBeCloseTo(b[0 * n + j]! + b[1 * n + j]!, 12);
  });

  it('the time kernel weighs pairs by exp(−Δt/τ) and keeps counts on the diagonal', () => {
    const d = interactionsFromColumns(
      ['u', 'u', 'u'],
      ['x', 'y', 'z'],
      [1, 1, 1],
      [0, 60_000, 3_600_000],
    );
    const g = itemGram(userMajor(d), true, 60_000);
    expect(Array.from(g.filter((_, k) => k % 4 === 0))).toEqual([1, 1, 1]);
    expect(g[0 * 3 + 1]).toBeCloseTo(Math.exp(-1), 12);
    expect(g[1 * 3 + 0]).toBeCloseTo(Math.exp(-1), 12);
    // Pairs more than 20τ apart weigh < e⁻²⁰ and are skipped.
    expect(g[0 * 3 + 2]).toBe(0);
    expect(g[1 * 3 + 2]).toBe(0);
    // τ = 0: every pair counts 1 (plain XᵀX).
    expect(Array.from(itemGram(userMajor(d), true, 0))).toEqual(new Array(9).fill(1));
  });

  it('ranks held-out items of a planted structure above untaken ones', () => {
    const planted = plantedData(2);
    const pu = userMajor(planted.train);
    const n = pu.cols;
    const b = trainEase(pu, { lambda: 5, binary: true, timeScaleMs: 0 });
    const scores = new Float64Array(n);
    const cache = new Map<number, Float64Array>();
    const auc = heldOutAuc(planted, (u, i) => {
      if (!cache.has(u)) {
        easeModel(b, pu, true).scoreUser(u, scores);
        cache.set(u, scores.slice());
      }
      return cache.get(u)![i]!;
    });
    expect(auc).toBeGreaterThan(0.85);
  });
});

describe('EASE in place against a textbook solve', () => {
  // 50 users × 30 items, distinct random pairs with weights 1–5 and timestamps minutes apart.
  const rng = createRng(11);
  const cu: string[] = [];
  const ci: string[] = [];
  const cv: number[] = [];
  const ct: number[] = [];
  for (let u = 0; u < 50; u++)
    for (let i = 0; i < 30; i++) {
      if (rng.next() >= 0.3) continue;
      cu.push(`u${u}`);
      ci.push(`i${i}`);
      cv.push(1 + rng.int(5));
      ct.push(1_000_000 + rng.int(40) * 60_000);
    }
  const data = interactionsFromColumns(cu, ci, cv, ct);
  const byUser = userMajor(data);
  const n = data.itemIds.length;
  const users = data.userIds.length;

  /**
   * G = XᵀX (+ λI) straight from the interaction list: every ordered pair of one user's items
   * weighs w_i·w_j, times exp(−|Δt|/τ) when τ > 0 (pairs beyond 20τ skipped, as defined).
   */
  function referenceB(lambda: number, binary: boolean, tau: number): number[][] {
    const g = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i === j ? lambda : 0)),
    );
    for (let e = 0; e < data.rows.length; e++)
      for (let f = 0; f < data.rows.length; f++) {
        if (data.rows[e] !== data.rows[f]) continue;
        const dt = Math.abs(data.timestamps[e]! - data.timestamps[f]!);
        if (tau > 0 && dt > 20 * tau) continue;
        const w = binary ? 1 : data.values[e]! * data.values[f]!;
        g[data.cols[e]!]![data.cols[f]!]! += w * (tau > 0 ? Math.exp(-dt / tau) : 1);
      }
    const p = referenceInverse(g);
    return p.map((row, i) => row.map((x, j) => (i === j ? 0 : -x / p[j]![j]!)));
  }

  it.each([
    { lambda: 3, binary: true, timeScaleMs: 0 },
    { lambda: 40, binary: false, timeScaleMs: 0 },
    { lambda: 5, binary: true, timeScaleMs: 10 * 60_000 },
  ])(
    'B equals (XᵀX + λI)⁻¹ turned into B by a textbook inverse, to 1e-9 relative: %o',
    (params) => {
      const b = trainEase(byUser, params);
      expect(b.length).toBe(n * n);
      const ref = referenceB(params.lambda, params.binary, params.timeScaleMs);
      let scale = 0;
      for (const row of ref) for (const x of row) scale = Math.max(scale, Math.abs(x));
      expect(scale).toBeGreaterThan(0);
      let worst = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(b[i * n + j]! - ref[i]![j]!));
      expect(worst / scale).toBeLessThan(1e-9);
      for (let i = 0; i < n; i++) expect(b[i * n + i]).toBe(0);
    },
  );

  it('scores and top-10 lists equal those of the textbook B', () => {
    const params = { lambda: 4, binary: false, timeScaleMs: 0 };
    const model = easeModel(trainEase(byUser, params), byUser, params.binary);
    const ref = referenceB(params.lambda, params.binary, params.timeScaleMs);
    const got = new Float64Array(n);
    const want = new Float64Array(n);
    const k = 10;
    const [gi, wi] = [new Int32Array(k), new Int32Array(k)];
    const [gs, ws] = [new Float64Array(k), new Float64Array(k)];
    for (let u = 0; u < users; u++) {
      model.scoreUser(u, got);
      want.fill(0);
      for (let e = byUser.indptr[u]!; e < byUser.indptr[u + 1]!; e++) {
        const i = byUser.indices[e]!;
        for (let j = 0; j < n; j++) want[j] = want[j]! + byUser.values[e]! * ref[i]![j]!;
      }
      for (let j = 0; j < n; j++) expect(got[j]!).toBeCloseTo(want[j]!, 9);
      maskSeen(byUser, u, got);
      maskSeen(byUser, u, want);
      const count = selectTopK(got, n, k, gi, gs);
      expect(selectTopK(want, n, k, wi, ws)).toBe(count);
      expect(Array.from(gi.subarray(0, count))).toEqual(Array.from(wi.subarray(0, count)));
    }
  });
});
