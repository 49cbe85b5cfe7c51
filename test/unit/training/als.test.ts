import { describe, expect, it } from 'vitest';
import {
  alsLoss,
  CgSolver,
  DEFAULT_ALS_PARAMS,
  trainAls,
  type AlsParams,
} from '../../../shared/training/als';
import { solveSpd } from '../../../shared/training/dense';
import { createRng } from '../../../shared/training/random';
import { itemMajor, userMajor, type Csr } from '../../../shared/training/sparse';
import { heldOutAuc, plantedData } from './fixtures';

const params: AlsParams = {
  ...DEFAULT_ALS_PARAMS,
  dims: 8,
  lambda: 1,
  alpha: 10,
  scaling: 'binary',
  iterations: 10,
  seed: 7,
};

describe('implicit ALS with conjugate gradient', () => {
  const data = plantedData(1);
  const byUser = userMajor(data.train);
  const byItem = itemMajor(data.train);

  it('never increases the HKV objective from one iteration to the next', () => {
    const losses = [1, 2, 3, 4, 6, 8].map((iterations) =>
      alsLoss(byUser, trainAls(byUser, byItem, { ...params, iterations }), params),
    );
    for (let k = 1; k < losses.length; k++) {
      expect(losses[k]!).toBeLessThanOrEqual(losses[k - 1]! * (1 + 1e-6));
    }
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.9);
  });

  it('recovers a planted low-rank preference structure (held-out items rank high)', () => {
    const model = trainAls(byUser, byItem, params);
    const d = model.dims;
    const auc = heldOutAuc(data, (u, i) => {
      let s = 0;
      for (let a = 0; a < d; a++)
        s += model.userFactors[u * d + a]! * model.itemFactors[i * d + a]!;
      return s;
    });
    expect(auc).toBeGreaterThan(0.85);
  });

  it('is deterministic given the seed and changes with it', () => {
    const a = trainAls(byUser, byItem, params);
    const b = trainAls(byUser, byItem, params);
    const c = trainAls(byUser, byItem, { ...params, seed: 8 });
    expect(Array.from(a.itemFactors)).toEqual(Array.from(b.itemFactors));
    expect(Array.from(a.userFactors)).toEqual(Array.from(b.userFactors));
    expect(Array.from(a.itemFactors)).not.toEqual(Array.from(c.itemFactors));
  });

  it('one CG solve with enough steps matches the direct solution of the HKV normal equations', () => {
    const rng = createRng(3);
    const d = 6;
    const m = 15;
    const fixed = Float32Array.from({ length: m * d }, () => rng.normal());
    const cols = [1, 4, 5, 9, 13];
    const cMinusOne = Float32Array.from(cols, (_, k) => 2 + k);
    const row: Csr = {
      rows: 1,
      cols: m,
      indptr: Int32Array.from([0, cols.length]),
      indices: Int32Array.from(cols),
      values: new Float32Array(cols.length).fill(1),
      timestamps: new Float64Array(cols.length),
    };
    const lambda = 0.5;
    const target = new Float32Array(d);
    new CgSolver(d).sweep(row, cMinusOne, target, fixed, { lambda, cgSteps: 3 * d });
    // A = YᵀY + λI + Σ (c_i − 1) y_i y_iᵀ, b = Σ c_i y_i, formed explicitly.
    const A = new Float64Array(d * d);
    const b = new Float64Array(d);
    for (let j = 0; j < m; j++)
      for (let x = 0; x < d; x++)
        for (let y = 0; y < d; y++)
          A[x * d + y] = A[x * d + y]! + fixed[j * d + x]! * fixed[j * d + y]!;
    for (let x = 0; x < d; x++) A[x * d + x] = A[x * d + x]! + lambda;
    cols.forEach((j, k) => {
      const c1 = cMinusOne[k]!;
      for (let x = 0; x < d; x++) {
        b[x] = b[x]! + (1 + c1) * fixed[j * d + x]!;
        for (let y = 0; y < d; y++)
          A[x * d + y] = A[x * d + y]! + c1 * fixed[j * d + x]! * fixed[j * d + y]!;
      }
    });
    const direct = solveSpd(A, d, b);
    for (let x = 0; x < d; x++) expect(target[x]!).toBeCloseTo(direct[x]!, 4);
  });
});
