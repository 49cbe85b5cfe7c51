import { describe, expect, it } from 'vitest';
import { provisionalVector } from '../../../shared/pipeline/serving-model';
import { tinyModel } from './fixtures';

describe('provisionalVector', () => {
  it("is the category's centroid, kept per model for single-category items", () => {
    const model = tinyModel();
    const a = provisionalVector(model, ['a']);
    // Category a: rows a1..a6 = [1, 0, 0.01·i, 0] for i = 0..5, so the mean third value is 0.025.
    expect(Array.from(a)).toEqual(Array.from(model.centroids.get('a')!));
    expect(a[0]).toBe(1);
    expect(a[2]).toBeCloseTo(0.025, 6);
    expect(provisionalVector(model, ['a'])).toBe(a);
    // Another model (another version) gets its own vector.
    expect(provisionalVector(tinyModel(), ['a'])).not.toBe(a);
  });

  it('averages several categories and falls back to the global mean', () => {
    const model = tinyModel();
    const both = provisionalVector(model, ['a', 'b']);
    const a = model.centroids.get('a')!;
    const b = model.centroids.get('b')!;
    expect(Array.from(both)).toEqual(Array.from(a, (x, d) => Math.fround(x / 2 + b[d]! / 2)));
    expect(provisionalVector(model, ['unknown'])).toBe(model.globalMean);
    expect(provisionalVector(model, [])).toBe(model.globalMean);
  });
});
