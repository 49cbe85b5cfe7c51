import { describe, expect, it } from 'vitest';
import { degradedEntry, runWithBudget, type BudgetClock } from '../../../shared/pipeline/budget';

/** A real-time clock that counts the timers still pending. */
function countingClock(): BudgetClock & { pending: () => number } {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  return {
    now: () => performance.now(),
    setTimer(ms, onTimeout) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        onTimeout();
      }, ms);
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
    pending: () => timers.size,
  };
}
const clock = countingClock();

describe('runWithBudget', () => {
  it('returns the value of a task that finishes in time', async () => {
    const o = await runWithBudget('kv', async () => 42, 50, clock);
    expect(o).toMatchObject({ name: 'kv', ok: true, value: 42 });
    expect(degradedEntry(o)).toBeNull();
  });

  it('skips a late task as a timeout', async () => {
    const o = await runWithBudget(
      'ann',
      () => new Promise((r) => setTimeout(() => r(1), 200)),
      10,
      clock,
    );
    expect(o.ok).toBe(false);
    expect(degradedEntry(o)).toBe('ann:timeout');
  });

  it('skips a failing task as an error and keeps the error', async () => {
    const boom = new Error('boom');
    const o = await runWithBudget('redis', () => Promise.reject(boom), 50, clock);
    expect(degradedEntry(o)).toBe('redis:error');
    expect(o.ok === false && o.error).toBe(boom);
  });

  it('leaves no timer behind, whichever way the race ends', async () => {
    const counting = countingClock();
    await runWithBudget('kv', async () => 42, 60_000, counting);
    await runWithBudget('redis', () => Promise.reject(new Error('boom')), 60_000, counting);
    await runWithBudget('ann', () => new Promise(() => {}), 5, counting);
    expect(counting.pending()).toBe(0);
  });
});
