import { describe, expect, it } from 'vitest';
import { degradedEntry, runWithBudget, type BudgetClock } from '../../../shared/pipeline/budget';

const clock: BudgetClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

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
});
