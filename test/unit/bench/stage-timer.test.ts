import { describe, expect, it } from 'vitest';
import { StageTimer } from '../../../bench/stage-timer';

describe('StageTimer', () => {
  it('records each stage as it ends, also one that throws, and prints it', async () => {
    const lines: string[] = [];
    const timer = new StageTimer((line) => lines.push(line));
    expect(await timer.time('import', async () => 7)).toBe(7);
    await expect(
      timer.time('batch run', async () => {
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(timer.stages.map((s) => s.name)).toEqual(['import', 'batch run']);
    expect(timer.stages[1]!.ms).toBeGreaterThanOrEqual(15);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^ {2}\[stage\] batch run: \d+\.\d s$/);
  });

  it('sums a recurring stage, adds the time between stages, and lists the longest first', () => {
    const timer = new StageTimer(() => {});
    timer.stages.push(
      { name: 'stack start', ms: 4_000 },
      { name: 'batch run', ms: 10_000 },
      { name: 'stack start', ms: 5_000 },
    );
    const table = timer.table(20_000);
    expect(table[0]).toContain('total 20.0 s');
    expect(table.slice(1).map((row) => row.trim().split(/\s{2,}/)[0])).toEqual([
      'batch run',
      'stack start',
      '(between stages)',
    ]);
    expect(table[2]).toMatch(/stack start\s+9\.0 s\s+45%\s+\(2×\)/);
    expect(table[3]).toMatch(/\(between stages\)\s+1\.0 s\s+5%/);
  });
});
