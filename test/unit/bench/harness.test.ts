import { describe, expect, it } from 'vitest';
import { lastJson } from '../../../bench/child-process';
import { componentSpecs } from '../../../bench/components';
import { exactTopK } from '../../../bench/naive';
import { findMetrics } from '../../../bench/offline';
import { parseBenchArgs } from '../../../bench/options';
import { chunk, mapConcurrent } from '../../../bench/pool';
import { formatFigure, replaceSummary, SUMMARY_BEGIN, SUMMARY_END } from '../../../bench/report';
import { toFigureTree } from '../../../bench/results';

describe('parseBenchArgs', () => {
  it('defaults to a full run with three repetitions', () => {
    const o = parseBenchArgs([]);
    expect(o).toMatchObject({
      quick: false,
      repeats: 3,
      replay: 5000,
      concurrencies: [1, 8, 32],
      rates: [50, 100, 200],
    });
    expect(o.sections.size).toBe(5);
  });
  it('makes --quick small and accepts overrides', () => {
    const o = parseBenchArgs([
      '--quick',
      '--replay',
      '20',
      '--only',
      'quality,latency',
      '--concurrency',
      '2,4',
      '--rates',
      '100,300',
    ]);
    expect(o).toMatchObject({
      quick: true,
      repeats: 1,
      replay: 20,
      concurrencies: [2, 4],
      rates: [100, 300],
    });
    expect(parseBenchArgs(['--rates', '0']).rates).toEqual([]);
    expect([...o.sections]).toEqual(['quality', 'latency']);
  });
  it('keeps every section in --quick, on small inputs', () => {
    const o = parseBenchArgs(['--quick']);
    expect(o).toMatchObject({ repeats: 1, replay: 50, durationSec: 1, quickUsers: 50 });
    expect(o.concurrencies).toEqual([8]);
    expect(o.rates).toEqual([50]);
    expect(o.sections.size).toBe(5);
  });
  it('runs the same component scripts in both modes, smaller in quick, unchanged in full', () => {
    const quick = componentSpecs(true);
    const full = componentSpecs(false);
    expect(quick.map((s) => s.name)).toEqual(['batch', 'pipeline', 'vectorRecall']);
    expect(quick.map((s) => s.scripts)).toEqual(full.map((s) => s.scripts));
    expect(full.every((s) => s.args.length === 0)).toBe(true);
    expect(quick.find((s) => s.name === 'batch')?.args).toEqual(
      expect.arrayContaining(['--datasets', 'generated', '--tune', 'off']),
    );
    expect(quick.find((s) => s.name === 'vectorRecall')?.args).toContain('--quick');
  });
  it('rejects unknown options and bad values', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(/unknown option/);
    expect(() => parseBenchArgs(['--repeats', '0'])).toThrow(/positive integer/);
    expect(() => parseBenchArgs(['--only', 'speed'])).toThrow(/unknown section/);
    expect(() => parseBenchArgs(['--replay'])).toThrow(/needs a value/);
    expect(() => parseBenchArgs(['--rates', '100,-5'])).toThrow(/positive integer/);
  });
});

describe('mapConcurrent and chunk', () => {
  it('keeps input order and bounds the work in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapConcurrent([5, 1, 3, 2, 4], 2, async (x) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });
  it('rejects when one call fails', async () => {
    await expect(
      mapConcurrent([1, 2], 2, async (x) => (x === 2 ? Promise.reject(new Error('no')) : x)),
    ).rejects.toThrow('no');
  });
  it('chunks', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('exactTopK', () => {
  it('returns the k best items by dot product, skipping seen ones', () => {
    const factors = new Float32Array([1, 0, 0, 1, 2, 2, -1, 0]);
    const user = new Float32Array([1, 0.5]);
    // scores: 1, 0.5, 3, -1
    expect(exactTopK(user, factors, 4, 2, 2)).toEqual([2, 0]);
    expect(exactTopK(user, factors, 4, 2, 2, new Set([2]))).toEqual([0, 1]);
  });
});

describe('report helpers', () => {
  it('replaces only the generated section of BENCHMARKS.md', () => {
    const first = replaceSummary(null, 'A');
    expect(first).toContain(SUMMARY_BEGIN);
    const edited = `${first}\nHand-written notes.\n`;
    const second = replaceSummary(edited, 'B');
    expect(second).toContain('B');
    expect(second).not.toContain('\nA\n');
    expect(second).toContain('Hand-written notes.');
    expect(second.indexOf(SUMMARY_END)).toBeLessThan(second.indexOf('Hand-written'));
  });
  it('formats figures with their spread', () => {
    expect(formatFigure({ median: 1.23456, min: 1, max: 2, iqr: 0.5, runs: [1, 1.23456, 2] })).toBe(
      '1.23 (1–2)',
    );
    expect(formatFigure({ median: 5, min: 5, max: 5, iqr: 0, runs: [5] })).toBe('5');
    expect(formatFigure(undefined)).toBe('—');
  });
  it('keys load runs by target and concurrency before combining', () => {
    const tree = toFigureTree({
      latency: {
        runs: [{ target: 'cold-user', connections: 8 } as never],
        annSetup: { kind: 'new-users', users: 1, eventsPerUser: 1, answersWithAnn: 0, checked: 1 },
      },
    }) as { latency: { runs: Record<string, unknown> } };
    expect(Object.keys(tree.latency.runs)).toEqual(['cold-user@8']);
  });
});

describe('child output', () => {
  it('finds the last JSON value after progress lines', () => {
    expect(lastJson('stage 1\nstage 2\n{"a":1}\n')).toEqual({ a: 1 });
    expect(lastJson('{\n  "b": 2\n}\n')).toEqual({ b: 2 });
    expect(lastJson('progress\n{\n  "c": 3\n}')).toEqual({ c: 3 });
    expect(lastJson('nothing')).toBeNull();
  });
  it('finds metrics in an evaluate report, test before validation', () => {
    const m = { precision: 0.1, recall: 0.2, ndcg: 0.3, map: 0.4 };
    expect(findMetrics({ validation: { ...m, ndcg: 0.9 }, test: m })).toEqual(m);
    expect(findMetrics({ nothing: 1 })).toBeNull();
  });
});
