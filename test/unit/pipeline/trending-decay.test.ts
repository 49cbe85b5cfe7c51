import { describe, expect, it } from 'vitest';
import { decayedCount, logAdd2, logShiftedWeight } from '../../../shared/pipeline/trending-decay';

const H = 3600_000;

describe('trending decay in log space', () => {
  it('adds in log space like the plain sum, without overflow far from t0', () => {
    expect(2 ** logAdd2(Math.log2(3), Math.log2(5))).toBeCloseTo(8, 10);
    // 20 years of hourly half-lives would overflow 2^x; the log form stays finite.
    const t = Date.UTC(2045, 0, 1);
    const v = logAdd2(logShiftedWeight(1, t, H), logShiftedWeight(1, t, H));
    expect(Number.isFinite(v)).toBe(true);
    expect(decayedCount(v, t, H)).toBeCloseTo(2, 8);
  });

  it('halves a count after one half-life and ranks a recent burst above an old one', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const one = logShiftedWeight(1, t0, H);
    expect(decayedCount(one, t0 + H, H)).toBeCloseTo(0.5, 10);
    let old = -Infinity;
    for (let i = 0; i < 4; i++) old = logAdd2(old, logShiftedWeight(1, t0, H));
    let recent = -Infinity;
    for (let i = 0; i < 2; i++) recent = logAdd2(recent, logShiftedWeight(1, t0 + 3 * H, H));
    // 4 events 3 half-lives ago weigh 0.5 now; 2 fresh events weigh 2.
    expect(recent).toBeGreaterThan(old);
    expect(decayedCount(old, t0 + 3 * H, H)).toBeCloseTo(0.5, 8);
  });
});
