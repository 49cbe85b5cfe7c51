/** The weighted sampler and Zipf weights used by the demo generator. */
import { describe, expect, it } from 'vitest';
import { createWeightedSampler, zipfWeights } from '../../../local/demo/weighted-sampler';

describe('createWeightedSampler', () => {
  it('maps uniform numbers to indexes in proportion to the weights', () => {
    const sample = createWeightedSampler([1, 0, 3]);
    const counts = [0, 0, 0];
    const n = 4000;
    for (let i = 0; i < n; i++) counts[sample((i + 0.5) / n)]!++;
    expect(counts).toEqual([1000, 0, 3000]);
  });

  it('never returns an index with zero weight, even at the edges', () => {
    const sample = createWeightedSampler([0, 2, 0]);
    expect(sample(0)).toBe(1);
    expect(sample(0.999999)).toBe(1);
  });

  it('rejects empty, negative and all-zero weights', () => {
    expect(() => createWeightedSampler([])).toThrow(RangeError);
    expect(() => createWeightedSampler([1, -1])).toThrow(RangeError);
    expect(() => createWeightedSampler([0, 0])).toThrow(RangeError);
    expect(() => createWeightedSampler([Number.NaN])).toThrow(RangeError);
  });
});

describe('zipfWeights', () => {
  it('decreases as 1/rank^s', () => {
    expect(zipfWeights(3, 1)).toEqual([1, 1 / 2, 1 / 3]);
    expect(zipfWeights(2, 2)).toEqual([1, 1 / 4]);
  });
});
