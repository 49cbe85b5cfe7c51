/**
 * Exponentially time-decayed trending counters without a global rescan. A counter is stored as
 * log2 of `Σ wᵢ · 2^((tᵢ − t0)/H)` (each event's weight shifted by its own time, H = half-life):
 * ranking by the stored value equals ranking by the decayed sum `Σ wᵢ · 2^(−(now − tᵢ)/H)` for every
 * `now`, because the two differ by the same factor `2^((now − t0)/H)` for all members. Keeping it in
 * log space means the value never overflows however far t is from t0.
 */

/** The fixed origin t0 of the time shift (any constant works; this keeps values small). */
export const TRENDING_EPOCH_MS = Date.UTC(2020, 0, 1);

/** log2 of one event's time-shifted weight; `weight` must be > 0. */
export function logShiftedWeight(weight: number, timestampMs: number, halfLifeMs: number): number {
  return Math.log2(weight) + (timestampMs - TRENDING_EPOCH_MS) / halfLifeMs;
}

/** log2(2^a + 2^b) computed without overflow (the log-sum-exp trick in base 2). */
export function logAdd2(a: number, b: number): number {
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  return hi + Math.log2(1 + 2 ** (lo - hi));
}

/** The decayed counter at `nowMs` (events weighted `2^(−age/H)`), from its stored log value. */
export function decayedCount(logValue: number, nowMs: number, halfLifeMs: number): number {
  return 2 ** (logValue - (nowMs - TRENDING_EPOCH_MS) / halfLifeMs);
}
