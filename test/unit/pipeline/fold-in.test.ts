import { describe, expect, it } from 'vitest';
import {
  choleskySolve,
  foldInStrategy,
  foldInUser,
  prepareFoldIn,
} from '../../../shared/pipeline/fold-in';
import { createRng } from '../../../shared/training/random';

/** Gaussian elimination with partial pivoting: an independent solver to check against. */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

function problem(seed: number, items = 30, dims = 6) {
  const rng = createRng(seed);
  const factors = new Float32Array(items * dims).map(() => rng.normal() * 0.5);
  const gram = new Array<number>(dims * dims).fill(0);
  for (let r = 0; r < items; r++)
    for (let i = 0; i < dims; i++)
      for (let j = 0; j < dims; j++)
        gram[i * dims + j]! += factors[r * dims + i]! * factors[r * dims + j]!;
  const prior = Array.from({ length: dims }, () => rng.normal());
  return { factors, gram, prior, dims };
}

/** YᵀCY + (λ+μ)I and YᵀCp + μx₀ built from scratch over every item, solved independently. */
function referenceSolve(
  p: ReturnType<typeof problem>,
  interactions: { row: number; weight: number }[],
  lambda: number,
  alpha: number,
  mu: number,
): number[] {
  const { factors, prior, dims } = p;
  const items = factors.length / dims;
  const a = Array.from({ length: dims }, () => new Array<number>(dims).fill(0));
  const b = new Array<number>(dims).fill(0);
  for (let r = 0; r < items; r++) {
    const hit = interactions.find((e) => e.row === r);
    const c = 1 + alpha * (hit?.weight ?? 0);
    const pr = hit ? 1 : 0;
    for (let i = 0; i < dims; i++) {
      b[i]! += c * pr * factors[r * dims + i]!;
      for (let j = 0; j < dims; j++)
        a[i]![j]! += c * factors[r * dims + i]! * factors[r * dims + j]!;
    }
  }
  for (let i = 0; i < dims; i++) {
    a[i]![i]! += lambda + mu;
    b[i]! += mu * prior[i]!;
  }
  return gaussSolve(a, b);
}

describe('foldInUser', () => {
  it('gives the exact solution both ways: Woodbury for a few interactions, direct for many', () => {
    const p = problem(5, 40, 8);
    const lambda = 0.2;
    const alpha = 3;
    const mu = 0.5;
    const basis = prepareFoldIn(p.dims, p.gram, p.factors, lambda, mu);
    const few = [
      { row: 4, weight: 2 },
      { row: 9, weight: 1 },
    ];
    const many = Array.from({ length: 12 }, (_, i) => ({ row: 3 * i + 1, weight: 1 + (i % 3) }));
    expect(foldInStrategy(few.length, p.dims)).toBe('woodbury');
    expect(foldInStrategy(many.length, p.dims)).toBe('direct');
    expect(foldInStrategy(0, p.dims)).toBe('woodbury');
    for (const interactions of [few, many, []]) {
      const expected = referenceSolve(p, interactions, lambda, alpha, mu);
      const input = {
        dims: p.dims,
        gram: p.gram,
        factors: p.factors,
        interactions,
        prior: p.prior,
        lambda,
        alpha,
        priorWeight: mu,
        maxNorm: 1e9,
      };
      const shared = foldInUser({ ...input, basis });
      const own = foldInUser(input);
      for (let i = 0; i < p.dims; i++) {
        expect(shared[i]).toBeCloseTo(expected[i]!, 6);
        expect(own[i]).toBeCloseTo(expected[i]!, 6);
      }
    }
  });

  it('ignores a basis prepared for another λ, μ or factor matrix', () => {
    const p = problem(6, 30, 6);
    const input = {
      dims: p.dims,
      gram: p.gram,
      factors: p.factors,
      interactions: [{ row: 2, weight: 3 }],
      prior: p.prior,
      lambda: 0.4,
      alpha: 2,
      priorWeight: 0.3,
      maxNorm: 1e9,
    };
    const other = problem(7, 30, 6);
    const expected = referenceSolve(p, input.interactions, 0.4, 2, 0.3);
    for (const wrong of [
      prepareFoldIn(p.dims, p.gram, p.factors, 5, 5),
      prepareFoldIn(p.dims, other.gram, other.factors, 0.4, 0.3),
    ]) {
      // Filled with the other model's rows first, as a shared basis would be.
      foldInUser({ ...input, ...other, basis: wrong });
      const x = foldInUser({ ...input, basis: wrong });
      for (let i = 0; i < p.dims; i++) expect(x[i]).toBeCloseTo(expected[i]!, 6);
    }
  });

  it('solves the HKV normal equations with the prior exactly (vs. an independent direct solve)', () => {
    const p = problem(1);
    const { factors, gram, prior, dims } = p;
    const interactions = [
      { row: 3, weight: 4 },
      { row: 7, weight: 1 },
      { row: 11, weight: 2.5 },
    ];
    const lambda = 0.3;
    const alpha = 5;
    const mu = 0.7;
    const x = foldInUser({
      dims,
      gram,
      factors,
      interactions,
      prior,
      lambda,
      alpha,
      priorWeight: mu,
      maxNorm: 1e9,
    });

    const expected = referenceSolve(p, interactions, lambda, alpha, mu);
    for (let i = 0; i < dims; i++) expect(x[i]).toBeCloseTo(expected[i]!, 4);
  });

  it('stays at the batch vector when the prior dominates, and moves toward liked items when it does not', () => {
    const { factors, gram, prior, dims } = problem(2);
    const liked = 5;
    const base = { dims, gram, factors, prior, lambda: 0.1, alpha: 10, maxNorm: 1e9 };
    const anchored = foldInUser({
      ...base,
      interactions: [{ row: liked, weight: 3 }],
      priorWeight: 1e7,
    });
    for (let i = 0; i < dims; i++) expect(anchored[i]).toBeCloseTo(prior[i]!, 3);

    const score = (x: Float64Array) => x.reduce((s, v, i) => s + v * factors[liked * dims + i]!, 0);
    const without = foldInUser({ ...base, interactions: [], priorWeight: 1 });
    const withLike = foldInUser({
      ...base,
      interactions: [{ row: liked, weight: 3 }],
      priorWeight: 1,
    });
    expect(score(withLike)).toBeGreaterThan(score(without));
  });

  it('bounds the norm of the result', () => {
    const { factors, gram, dims } = problem(3);
    const x = foldInUser({
      dims,
      gram,
      factors,
      prior: null,
      lambda: 1e-6,
      alpha: 1000,
      priorWeight: 1e-6,
      maxNorm: 0.5,
      interactions: [
        { row: 1, weight: 50 },
        { row: 2, weight: 50 },
      ],
    });
    expect(Math.hypot(...x)).toBeCloseTo(0.5, 6);
  });

  it('uses the confidence scaling the batch trained with', () => {
    const { factors, gram, prior, dims } = problem(4);
    const base = {
      dims,
      gram,
      factors,
      prior,
      lambda: 0.3,
      alpha: 5,
      priorWeight: 0.7,
      maxNorm: 1e9,
    };
    const strong = [{ row: 2, weight: 5 }];
    const weak = [{ row: 2, weight: 1 }];
    // Binary confidence: any interaction counts once, so the weight does not matter...
    const binaryStrong = foldInUser({ ...base, interactions: strong, confidence: 'binary' });
    const binaryWeak = foldInUser({ ...base, interactions: weak, confidence: 'binary' });
    expect(Array.from(binaryStrong)).toEqual(Array.from(binaryWeak));
    // ...and equals linear confidence at weight 1; linear at weight 5 differs.
    const linearWeak = foldInUser({ ...base, interactions: weak });
    const linearStrong = foldInUser({ ...base, interactions: strong });
    expect(Array.from(binaryWeak)).toEqual(Array.from(linearWeak));
    expect(Array.from(linearStrong)).not.toEqual(Array.from(linearWeak));
    // Log confidence: f(5) = log(1 + 5/ε) equals linear confidence at that weight.
    const logStrong = foldInUser({ ...base, interactions: strong, confidence: 'log', epsilon: 1 });
    const linearLog = foldInUser({ ...base, interactions: [{ row: 2, weight: Math.log1p(5) }] });
    expect(Array.from(logStrong)).toEqual(Array.from(linearLog));
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() =>
      choleskySolve(new Float64Array([1, 2, 2, 1]), new Float64Array([1, 1]), 2),
    ).toThrow(RangeError);
  });
});
