/** The offline evaluation of the same model on the same files (`npm run evaluate -- --json`). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTsx, scriptExists, tail } from './child-process';

/** Metrics of the offline run plus its wall time. */
export interface OfflineResult {
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  wallMs: number;
  /** The whole JSON the command wrote (model, hyper-parameters, timings...). */
  raw: unknown;
}

const EVALUATE = 'batch/evaluate-cli.ts';

/** Finds the first object (depth-first) holding numeric precision, recall, ndcg and map. */
export function findMetrics(
  value: unknown,
): { precision: number; recall: number; ndcg: number; map: number } | null {
  if (value === null || typeof value !== 'object') return null;
  const o = value as Record<string, unknown>;
  if (['precision', 'recall', 'ndcg', 'map'].every((k) => typeof o[k] === 'number')) {
    return {
      precision: o.precision as number,
      recall: o.recall as number,
      ndcg: o.ndcg as number,
      map: o.map as number,
    };
  }
  // Prefer the test metrics over validation ones when the tool reports both.
  const rank = (key: string) =>
    key === 'test' ? 0 : key === 'metrics' ? 1 : key === 'validation' ? 3 : 2;
  const keys = Object.keys(o).sort((a, b) => rank(a) - rank(b));
  for (const key of keys) {
    const found = findMetrics(o[key]);
    if (found) return found;
  }
  return null;
}

/**
 * Runs `npm run evaluate -- --train <train> --test <test> --json <file>` (through tsx directly, the
 * same script) and returns its test metrics; throws with the tool's last stderr lines on failure.
 */
export async function evaluateOffline(
  train: string,
  test: string,
  timeoutMs: number,
  extraArgs: readonly string[] = [],
): Promise<OfflineResult | { skipped: string }> {
  if (!scriptExists(EVALUATE)) return { skipped: `${EVALUATE} not found` };
  const dir = mkdtempSync(join(tmpdir(), 'edgerec-bench-eval-'));
  try {
    const out = join(dir, 'evaluate.json');
    const run = await runTsx(
      EVALUATE,
      ['--train', train, '--test', test, '--json', out, ...extraArgs],
      {
        timeoutMs,
      },
    );
    if (run.code !== 0) {
      throw new Error(
        `npm run evaluate exited with ${run.code}:\n${tail(run.stderr || run.stdout)}`,
      );
    }
    const raw = JSON.parse(readFileSync(out, 'utf8')) as unknown;
    const metrics = findMetrics(raw);
    if (!metrics)
      throw new Error(
        `npm run evaluate wrote no precision/recall/ndcg/map: ${JSON.stringify(raw).slice(0, 300)}`,
      );
    return { ...metrics, wallMs: run.ms, raw };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
