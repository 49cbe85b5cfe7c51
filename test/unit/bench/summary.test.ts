import { describe, expect, it } from 'vitest';
import type { BenchResults, RunResult } from '../../../bench/results';
import { toFigureTree } from '../../../bench/results';
import { combineRuns, type NumberTree } from '../../../bench/stats';
import { at, renderSummary } from '../../../bench/summary';

const sample = { n: 10, mean: 5, p50: 4, p90: 8, p99: 9, max: 10 };

function run(ndcg: number, offline: number): RunResult {
  const metrics = { k: 10, users: 943, precision: 0.4, recall: 0.2, ndcg, map: 0.1, coverage: 0.3 };
  return {
    quality: {
      dataset: 'ml-100k',
      withItems: true,
      itemsImport: { items: 1682, ms: 1000 },
      eventsImport: {
        events: 10,
        accepted: 10,
        duplicates: 0,
        ms: 5,
        eventsPerSecond: 2000,
        splits: 0,
        firstSplitError: null,
      },
      batch: { wallMs: 1000, version: 'v1', stages: [], hyperParameters: null, validation: null },
      served: metrics,
      staleAnswers: 0,
      degradedAnswers: 0,
      degradedParts: {},
      sourceShares: { topn: 1 },
      shortAnswers: 0,
      requestMs: sample,
    },
    offline: { precision: 0.4, recall: 0.2, ndcg: offline, map: 0.1, wallMs: 1, raw: {} },
    servedVsOffline: {
      ndcgGap: (ndcg - offline) / offline,
      precisionGap: 0,
      flagged: (ndcg - offline) / offline < -0.01,
    },
    latency: {
      runs: [
        {
          target: 'cache-hit',
          connections: 1,
          durationSec: 5,
          requests: 100,
          reqPerSec: 20,
          p50: 4,
          p90: 6,
          p99: 8,
          max: 9,
          mean: 5,
          non2xx: 0,
          errors: 0,
          timeouts: 0,
          roundTrips: {
            measured: 100,
            mean: { kv: 1, redis: 1, vector: 0 },
            max: { kv: 1, redis: 1, vector: 0 },
          },
          handlerMs: { n: 100, mean: 2, p50: 2, p90: 3, p99: 3, max: 3 },
        },
      ],
      annSetup: { kind: 'new-users', users: 5, eventsPerUser: 5, answersWithAnn: 5, checked: 5 },
    },
  };
}

function results(runs: RunResult[]): BenchResults {
  return {
    schema: 1,
    mode: 'full',
    environment: {
      date: '2026-01-01T00:00:00.000Z',
      command: 'npm run bench',
      machine: { os: 'Linux', arch: 'x64', cpuModel: 'CPU', cores: 2, memoryGiB: 8 },
      versions: { node: 'v20', wrangler: '4', redis: '7', edgerec: '0.1.0' },
      git: { commit: 'abcdef1234567890', dirty: false },
    },
    options: { repeats: runs.length, durationSec: 5 },
    data: { quality: 'ml-100k split', qualityFiles: null, replay: 'u.data', note: null },
    published: { ndcg: { BiVAE: 0.475 } },
    figures: combineRuns(runs.map(toFigureTree) as NumberTree[]),
    runs,
    errors: [],
  };
}

describe('renderSummary', () => {
  it('shows medians with their spread, the published figures and the round trips', () => {
    const md = renderSummary(results([run(0.5, 0.5), run(0.52, 0.5), run(0.48, 0.5)]));
    expect(md).toContain('| ndcg@10 | 0.5 (0.48–0.52) | 0.5 |');
    expect(md).toContain('BiVAE (published)');
    expect(md).toContain('| cache-hit | 1 | 4 | 6 | 8 | 9 | 2 / 3 | 20 | 0 | 1 / 1 / 0 |');
    expect(md).toContain('median of 3 runs');
    expect(md).not.toContain('FLAGGED');
    expect(md).toContain('Freshness lift\n\nNot measured in this run.');
  });
  it('keys open-loop runs by their rate and names their peak in flight and generator lateness', () => {
    const paced = (late: number): RunResult => {
      const r = run(0.5, 0.5);
      const closed = r.latency!.runs[0]!;
      r.latency!.runs.push({ ...closed, connections: 3, rate: 200, lateP99: late, p99: 12 });
      return r;
    };
    const res = results([paced(1), paced(2), paced(3)]);
    expect(Object.keys(at(res.figures, 'latency.runs') as object)).toEqual([
      'cache-hit@1',
      'cache-hit@200/s',
    ]);
    const md = renderSummary(res);
    expect(md).toContain('| cache-hit | 1 | 4 | 6 | 8 |');
    expect(md).toContain(
      '| cache-hit | 200 req/s open loop (peak 3 in flight, generator late p99 2 (1–3) ms) | 4 | 6 | 12 |',
    );
  });
  it('flags served answers that lose more than 1% nDCG against offline', () => {
    expect(renderSummary(results([run(0.4, 0.5)]))).toContain('FLAGGED');
  });
  it('reads nested paths', () => {
    expect(at({ a: { b: { c: 1 } } }, 'a.b.c')).toBe(1);
    expect(at({ a: 1 }, 'a.b')).toBeUndefined();
  });
});
