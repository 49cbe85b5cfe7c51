/**
 * `npm run evaluate -- --train <file> --test <file> [--out top10.tsv] [--json out.json]
 *  [--model auto|als|ease] [--dims 64] [--seed 42] [--tune auto|off]`, or
 * `--split-from <ratings file> [--ratio 0.75]` for a seeded per-item split made in memory:
 * trains like the batch, ranks each test user's top 10 as the edge ranks a cached answer, and
 * prints the Microsoft Recommenders metrics at 10 (see evaluate/offline-evaluation.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_TRAIN_CONFIG } from '../shared/training/index';
import type { TrainConfig } from '../shared/training/types';
import { evaluateOffline, K, type OfflineEvaluation } from './evaluate/offline-evaluation';
import { parseRatings, type RatingColumns } from './evaluate/read-ratings';
import { splitPerItem } from './evaluate/split';

function usage(message: string): never {
  console.error(`evaluate: ${message}
usage: npm run evaluate -- (--train <file> --test <file> | --split-from <ratings> [--ratio 0.75])
       [--out top10.tsv] [--json result.json] [--model auto|als|ease] [--dims 64] [--seed 42]
       [--tune auto|off] [--quiet]`);
  process.exit(2);
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        train: { type: 'string' },
        test: { type: 'string' },
        'split-from': { type: 'string' },
        ratio: { type: 'string', default: '0.75' },
        out: { type: 'string' },
        json: { type: 'string' },
        model: { type: 'string', default: 'auto' },
        dims: { type: 'string', default: String(DEFAULT_TRAIN_CONFIG.dims) },
        seed: { type: 'string', default: String(DEFAULT_TRAIN_CONFIG.seed) },
        tune: { type: 'string', default: 'auto' },
        quiet: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  const model = values.model;
  if (model !== 'auto' && model !== 'als' && model !== 'ease') usage(`unknown --model ${model}`);
  const tune = values.tune;
  if (tune !== 'auto' && tune !== 'off') usage(`unknown --tune ${tune}`);
  const dims = Number(values.dims);
  const seed = Number(values.seed);
  if (!Number.isInteger(dims) || dims < 2) usage('--dims must be an integer ≥ 2');
  if (!Number.isInteger(seed)) usage('--seed must be an integer');

  let train: RatingColumns;
  let test: RatingColumns;
  let source: string;
  if (values['split-from'] !== undefined) {
    const ratio = Number(values.ratio);
    if (!(ratio > 0 && ratio < 1)) usage('--ratio must be in (0, 1)');
    const all = parseRatings(readFileSync(values['split-from'], 'utf8'), values['split-from']);
    ({ train, test } = splitPerItem(all, ratio, seed));
    source = `${values['split-from']} (per-item ${ratio}/${+(1 - ratio).toFixed(2)} split, seed ${seed})`;
  } else {
    if (values.train === undefined || values.test === undefined) {
      usage('--train and --test (or --split-from) are required');
    }
    train = parseRatings(readFileSync(values.train, 'utf8'), values.train);
    test = parseRatings(readFileSync(values.test, 'utf8'), values.test);
    source = `${values.train} / ${values.test}`;
  }

  const config: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    dims,
    seed,
    model,
    tune,
    clock: () => performance.now(),
  };
  const result = evaluateOffline(train, test, config, (p) => {
    if (!values.quiet) process.stderr.write(`  ${p.stage} ${p.done}/${p.total}\n`);
  });
  printReport(source, result);

  if (values.out !== undefined) {
    const lines: string[] = [];
    for (const [user, list] of result.ranked) {
      for (const s of list) lines.push(`${user}\t${s.itemId}\t${s.score}`);
    }
    writeFileSync(values.out, lines.join('\n') + '\n');
  }
  if (values.json !== undefined) {
    const { outputs } = result;
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          source,
          metrics: result.metrics,
          batchMs: result.batchMs,
          batchCpuMs: result.batchCpuMs,
          nonZeros: result.nonZeros,
          model: outputs.model,
          hyperParameters: outputs.hyperParameters,
          validation: outputs.validation,
          timings: outputs.timings,
          alsThroughput: outputs.alsThroughput,
        },
        null,
        2,
      ) + '\n',
    );
  }
}

function printReport(source: string, r: OfflineEvaluation): void {
  const { metrics: m, outputs } = r;
  const f = (x: number) => x.toFixed(4);
  console.log(`data: ${source}`);
  console.log(`model: ${outputs.model}, dims ${outputs.dims}, training non-zeros ${r.nonZeros}`);
  console.log('');
  console.log(`| metric@${K} | value |`);
  console.log('|---|---|');
  console.log(`| precision | ${f(m.precision)} |`);
  console.log(`| recall | ${f(m.recall)} |`);
  console.log(`| nDCG | ${f(m.ndcg)} |`);
  console.log(`| MAP | ${f(m.map)} |`);
  console.log(`| coverage | ${f(m.coverage)} |`);
  console.log(`| users | ${m.users} |`);
  console.log(`| batch time, wall (s) | ${(r.batchMs / 1000).toFixed(2)} |`);
  console.log(`| batch time, CPU (s) | ${(r.batchCpuMs / 1000).toFixed(2)} |`);
  console.log('');
  console.log('hyper-parameters:', JSON.stringify(outputs.hyperParameters));
  if (outputs.validation) console.log('validation:', JSON.stringify(outputs.validation));
  const t = Object.entries(outputs.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`);
  console.log(`stage wall times (s): ${t.join(', ')}`);
  if (outputs.alsThroughput !== null) {
    console.log(
      `ALS throughput: ${(outputs.alsThroughput / 1e6).toFixed(2)} M non-zeros × iterations / s`,
    );
  }
}

main();
