/**
 * Wall-clock time per stage of a benchmark run (stack start and stop, imports, batch runs,
 * replays, load runs...): each stage is printed as it ends and the run closes with a table of
 * where the time went, longest first.
 */

/** Times one stage: runs `fn` and records its wall-clock time under `name`, also when it throws. */
export type TimeStage = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** A `TimeStage` that only runs the stage (for callers that do not time). */
export const untimed: TimeStage = (_name, fn) => fn();

/** One timed stage. */
export interface StageTiming {
  name: string;
  ms: number;
}

/** Collects stage timings and prints them. */
export class StageTimer {
  readonly stages: StageTiming[] = [];

  constructor(private readonly log: (line: string) => void) {}

  /** The `TimeStage` of this timer. */
  readonly time: TimeStage = async (name, fn) => {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - started;
      this.stages.push({ name, ms });
      this.log(`  [stage] ${name}: ${(ms / 1000).toFixed(1)} s`);
    }
  };

  /**
   * The table printed at the end: the stages summed by name (a name may recur, e.g. one stack
   * start per measurement), longest first, with each one's share of `totalMs`.
   */
  table(totalMs: number): string[] {
    const byName = new Map<string, { ms: number; count: number }>();
    for (const s of this.stages) {
      const entry = byName.get(s.name) ?? { ms: 0, count: 0 };
      entry.ms += s.ms;
      entry.count += 1;
      byName.set(s.name, entry);
    }
    const timed = this.stages.reduce((sum, s) => sum + s.ms, 0);
    // What no stage covers: data loading, the section bookkeeping, and waits between stages.
    byName.set('(between stages)', { ms: Math.max(0, totalMs - timed), count: 1 });
    const rows = [...byName].sort((a, b) => b[1].ms - a[1].ms);
    const width = Math.max(5, ...rows.map(([name]) => name.length));
    return [
      `where the time went (wall clock, total ${(totalMs / 1000).toFixed(1)} s):`,
      ...rows.map(
        ([name, { ms, count }]) =>
          `  ${name.padEnd(width)}  ${(ms / 1000).toFixed(1).padStart(7)} s  ${((100 * ms) / Math.max(totalMs, 1)).toFixed(0).padStart(3)}%${count > 1 ? `  (${count}×)` : ''}`,
      ),
    ];
  }
}
