import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { coordinateSearch } from '../../../shared/training/tuning';

// A full garbage collection on demand (the flag may be set at run time; a new context exposes it),
// so live memory can be read while the search runs.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveBuffers = () => {
  // Two collections: a freed ArrayBuffer's bytes leave the count when its backing store is swept.
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
};

/** Each "model" holds 8 MB, like a large EASE matrix, and remembers the parameter it was fit with. */
const MODEL_BYTES = 8 * 1024 * 1024;
interface Model {
  p: number;
  weights: Float64Array;
}

/**
 * Searches p ∈ {0, 1, 2, …} for the best score −|p − 1| from 0 with moves p + 1 and p + 2: the
 * trials are 0, 1, 2, then 3 (a neighbour of 1), so the winner 1 is not the last trial.
 */
function search(keepModels: boolean) {
  const fitted: number[] = [];
  let mostAliveAtFit = 0;
  const baseline = liveBuffers();
  const result = coordinateSearch<number, Model>(
    0,
    (p) => [p + 1, p + 2],
    String,
    (p) => {
      // Models still alive when a new one is about to be fitted.
      mostAliveAtFit = Math.max(
        mostAliveAtFit,
        Math.round((liveBuffers() - baseline) / MODEL_BYTES),
      );
      fitted.push(p);
      return { p, weights: new Float64Array(MODEL_BYTES / 8) };
    },
    (m) => -Math.abs(m.p - 1),
    (p) => ({ p }),
    10,
    keepModels,
  );
  return { result, fitted, mostAliveAtFit };
}

describe('coordinate search', () => {
  it('refits a winner that was not the last trial, never holding two models at once', () => {
    const { result, fitted, mostAliveAtFit } = search(false);
    expect(result.params).toBe(1);
    expect(result.model.p).toBe(1);
    expect(result.trials.map((t) => t.params.p)).toEqual([0, 1, 2, 3]);
    expect(fitted).toEqual([0, 1, 2, 3, 1]);
    // The last trial's model (p = 3) is released before the winner is refitted.
    expect(mostAliveAtFit).toBe(0);
  });

  it('keeps the best model instead when allowed (no refit)', () => {
    const { result, fitted, mostAliveAtFit } = search(true);
    expect(result.model.p).toBe(1);
    expect(fitted).toEqual([0, 1, 2, 3]);
    // The best so far and the round's best both live beside the next fit: two models more than
    // the fit itself, the memory the EASE search does not spend.
    expect(mostAliveAtFit).toBe(2);
  });
});
