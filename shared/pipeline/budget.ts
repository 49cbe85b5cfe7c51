/** Runs named I/O tasks under a time budget each: a late or failing task is skipped and reported. */

/** The outcome of one budgeted task. */
export type BudgetOutcome<T> =
  | { name: string; ok: true; value: T; ms: number }
  | { name: string; ok: false; reason: 'timeout' | 'error'; error?: unknown; ms: number };

/** The clock and timer the caller provides (pure code reads no clock itself). */
export interface BudgetClock {
  now(): number;
  /** Calls `onTimeout` after `ms`; the function returned cancels the timer. */
  setTimer(ms: number, onTimeout: () => void): () => void;
}

/**
 * Races `task` against a timer of `budgetMs`, and cancels the timer once the race is decided (a
 * request runs several budgeted tasks; their timers should not outlive it). The task is not
 * cancelled when it loses (the Upstash clients take an abort signal for that); its result is
 * simply ignored.
 */
export async function runWithBudget<T>(
  name: string,
  task: () => Promise<T>,
  budgetMs: number,
  clock: BudgetClock,
): Promise<BudgetOutcome<T>> {
  const start = clock.now();
  const TIMEOUT = Symbol('timeout');
  let cancel = () => {};
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    cancel = clock.setTimer(budgetMs, () => resolve(TIMEOUT));
  });
  try {
    const value = await Promise.race([task(), timeout]);
    const ms = clock.now() - start;
    if (value === TIMEOUT) return { name, ok: false, reason: 'timeout', ms };
    return { name, ok: true, value: value as T, ms };
  } catch (error) {
    return { name, ok: false, reason: 'error', error, ms: clock.now() - start };
  } finally {
    cancel();
  }
}

/** The `degraded` entry of a failed outcome: `<name>:<reason>` (e.g. `ann:timeout`). */
export function degradedEntry(outcome: BudgetOutcome<unknown>): string | null {
  return outcome.ok ? null : `${outcome.name}:${outcome.reason}`;
}
