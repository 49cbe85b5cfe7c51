import { describe, expect, it } from 'vitest';
import { combineRuns, figure, percentile, summariseSample } from '../../../bench/stats';

describe('percentile', () => {
  it('interpolates between the closest ranks (type 7)', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
    expect(percentile([10, 20], 90)).toBeCloseTo(19);
    expect(percentile([7], 99)).toBe(7);
  });
  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
  it('rejects an empty sample and out-of-range p', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summariseSample', () => {
  it('gives ordered percentiles, the mean and the maximum', () => {
    const sample = Array.from({ length: 1000 }, (_, i) => i + 1);
    const s = summariseSample(sample);
    expect(s.n).toBe(1000);
    expect(s.mean).toBe(500.5);
    expect(s.p50).toBeCloseTo(500.5);
    expect(s.p90).toBeCloseTo(900.1);
    expect(s.p99).toBeCloseTo(990.01);
    expect(s.max).toBe(1000);
  });
});

describe('figure and combineRuns', () => {
  it('reports the median and the spread of repeated runs', () => {
    expect(figure([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, iqr: 1, runs: [3, 1, 2] });
    expect(figure([5]).iqr).toBe(0);
    expect(() => figure([1, Number.NaN])).toThrow(RangeError);
  });
  it('turns every number of same-shaped runs into a figure and keeps the rest', () => {
    const combined = combineRuns([
      { a: 1, b: { c: 10, label: 'x' }, list: [1, 2], ok: true },
      { a: 3, b: { c: 30, label: 'y' }, list: [9], ok: false },
      { a: 2, b: { c: 20, label: 'z' } },
    ]) as Record<string, unknown>;
    expect(combined.a).toMatchObject({ median: 2, min: 1, max: 3 });
    expect((combined.b as Record<string, unknown>).c).toMatchObject({ median: 20 });
    expect((combined.b as Record<string, unknown>).label).toBe('x');
    expect(combined.list).toEqual([1, 2]);
    expect(combined.ok).toBe(true);
  });
  it('ignores runs where a number is missing', () => {
    const combined = combineRuns([{ a: 1 }, {}, { a: 5 }]) as Record<string, unknown>;
    expect(combined.a).toMatchObject({ median: 3, runs: [1, 5] });
  });
});
