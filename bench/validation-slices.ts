/**
 * Outer validation slices carved from the TRAINING file only (never test.tsv), for judging a
 * change to training before the test split sees it: per item, a seeded random 25% of its ratings
 * are held out (`splitPerItem`, the benchmark's own per-item stratified split). Each slice runs
 * the served ranking end to end (`evaluateOffline`: trainAll with its own inner validation slice,
 * top-N, scorer re-ranking) and prints nDCG@10, precision@10 and the batch time; then the means.
 * Deterministic.
 *
 *   npx tsx bench/validation-slices.ts [train.tsv, default ML-100K's] [seeds, default 1,2,3]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateOffline } from '../batch/evaluate/offline-evaluation';
import { parseRatings } from '../batch/evaluate/read-ratings';
import { splitPerItem } from '../batch/evaluate/split';
import { DEFAULT_TRAIN_CONFIG } from '../shared/training/index';
import { ML100K_SPLIT_DIR, ml100kMissing } from './datasets';

/** Share of each item's training ratings that fit the model on a slice (the benchmark's 75/25). */
const FIT_RATIO = 0.75;

const path = process.argv[2] || join(ML100K_SPLIT_DIR, 'train.tsv');
const missing = process.argv[2] ? null : ml100kMissing();
if (missing) {
  console.error(`validation slices: ${missing}`);
  process.exit(1);
}
if (/(^|\/)test\.[a-z]+$/i.test(path)) throw new Error('validation slices come from train only');
const seeds = (process.argv[3] || '1,2,3').split(',').map(Number);
const data = parseRatings(readFileSync(path, 'utf8'), path);
const rows: { seed: number; ndcg: number; precision: number; batchMs: number }[] = [];
for (const seed of seeds) {
  const { train: fit, test: holdout } = splitPerItem(data, FIT_RATIO, seed);
  const r = evaluateOffline(fit, holdout, {
    ...DEFAULT_TRAIN_CONFIG,
    clock: () => performance.now(),
  });
  const hp = r.outputs.hyperParameters;
  const row = {
    seed,
    ndcg: r.metrics.ndcg,
    precision: r.metrics.precision,
    batchMs: Math.round(r.batchMs),
  };
  rows.push(row);
  console.log(JSON.stringify({ ...row, hp, timings: r.outputs.timings }));
}
const mean = (k: 'ndcg' | 'precision' | 'batchMs') =>
  rows.reduce((s, r) => s + r[k], 0) / rows.length;
console.log(
  JSON.stringify({
    mean: { ndcg: mean('ndcg'), precision: mean('precision'), batchMs: mean('batchMs') },
  }),
);
