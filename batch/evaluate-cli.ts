/**
 * `npm run evaluate -- --train <file> --test <file> [--out top10.tsv] [--json out.json]
 *  [--model auto|als|ease] [--dims 64] [--seed 42] [--tune auto|off]` or
 * `--split-from <ratings file> [--ratio 0.75]`: trains with `trainAll` on the training ratings
 * (weight = rating value), ranks each test user's top 10 exactly as the edge ranks a cached answer
 * (top-N candidates re-ranked by the scorer), and prints the Microsoft Recommenders metrics at 10.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ItemFacts, RankingMetrics, ScoredItem } from '../shared/domain/artefacts';
import { topNCandidateFacts } from '../shared/training/candidate-facts';
import { DEFAULT_TRAIN_CONFIG, trainAll } from '../shared/training/index';
import { interactionsFromColumns } from '../shared/training/interactions';
import { rankingMetrics } from '../shared/training/metrics';
import { rankCachedCandidates } from '../shared/training/rank-cached';
import type { TrainConfig, TrainOutputs } from '../shared/training/types';
import { parseRatings, type RatingColumns } from './evaluate/read-ratings';
import { splitPerItem } from './evaluate/split';

const K = 10;

function usage(message: string): never {
  console.error(`evaluate: ${message}
usage: npm run evaluate -- (--train <file> --test <file> | --split-from <ratings> [--ratio 0.75])
       [--out top10.tsv] [--json result.json] [--model auto|als|ease] [--dims 64] [--seed 42]
       [--tune auto|off]`);
  process.exit(2);
}

function main(): void {
  const { values } = parseArgs({
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
    },
  });
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
    source = `${values['split-from']} (per-item ${ratio}/${(1 - ratio).toFixed(2)} split, seed ${seed})`;
  } else {
    if (values.train === undefined || values.test === undefined)
      usage('--train and --test are required');
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
  const data = interactionsFromColumns(train.users, train.items, train.ratings, train.timestamps);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const outputs = trainAll(data, [], config, (p) => {
    process.stderr.write(`  ${p.stage} ${p.done}/${p.total}\n`);
  });
  // What the batch writes besides the model: every user's top-N and every item's neighbours.
  const listsStarted = performance.now();
  const topN = data.userIds.map((_, u) => outputs.topN(u));
  const topNMs = performance.now() - listsStarted;
  const neighbours = data.itemIds.map((_, i) => outputs.neighbours(i));
  const neighboursMs = performance.now() - listsStarted - topNMs;
  const trainMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const trainCpuMs = (cpu.user + cpu.system) / 1000;
  outputs.timings.topN = topNMs;
  outputs.timings.neighbours = neighboursMs;

  const ranked = rankTestUsers(outputs, topN, neighbours, data.userIds, data.itemIds, test, train);
  const metrics = rankingMetrics(
    [...ranked].map(([user, list]) => ({
      recommended: list.map((s) => s.itemId),
      relevant: relevantOf(test).get(user)!,
    })),
    K,
    data.itemIds.length,
  );
  printReport(source, metrics, trainMs, trainCpuMs, outputs, data.values.length);

  if (values.out !== undefined) {
    const lines: string[] = [];
    for (const [user, list] of ranked)
      for (const s of list) lines.push(`${user}\t${s.itemId}\t${s.score}`);
    writeFileSync(values.out, lines.join('\n') + '\n');
  }
  if (values.json !== undefined) {
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          source,
          metrics,
          trainMs,
          trainCpuMs,
          model: outputs.model,
          hyperParameters: outputs.hyperParameters,
          validation: outputs.validation,
          timings: outputs.timings,
          alsThroughput: outputs.alsThroughput,
        },
        null,
        2,
      ),
    );
  }
}

const relevantCache = new WeakMap<RatingColumns, Map<string, Set<string>>>();
/** Every test rating is relevant (the benchmark protocol). */
function relevantOf(test: RatingColumns): Map<string, Set<string>> {
  let m = relevantCache.get(test);
  if (!m) {
    m = new Map();
    test.users.forEach((u, r) => {
      let s = m!.get(u);
      if (!s) m!.set(u, (s = new Set()));
      s.add(test.items[r]!);
    });
    relevantCache.set(test, m);
  }
  return m;
}

/**
 * Top 10 of every test user through the cached-answer ranking (`rankCachedCandidates`); a user
 * unknown to training gets the most popular items (the edge's cold-user fallback).
 */
function rankTestUsers(
  outputs: TrainOutputs,
  topN: ScoredItem[][],
  neighbours: ScoredItem[][],
  userIds: string[],
  itemIds: string[],
  test: RatingColumns,
  train: RatingColumns,
): Map<string, ScoredItem[]> {
  const userIndex = new Map(userIds.map((u, i) => [u, i]));
  const facts = new Map<string, ItemFacts>(
    itemIds.map((id, i) => [
      id,
      { categories: [], createdAt: null, popularity: outputs.popularity[i]! },
    ]),
  );
  // The user's most recent training items feed the item-item feature, as the session does online.
  const history = new Map<string, { item: string; ts: number }[]>();
  train.users.forEach((u, r) => {
    let h = history.get(u);
    if (!h) history.set(u, (h = []));
    h.push({ item: train.items[r]!, ts: train.timestamps[r]! });
  });
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const popular = itemIds
    .map((itemId, i) => ({ itemId, score: outputs.popularity[i]! }))
    .sort((a, b) => b.score - a.score);
  const out = new Map<string, ScoredItem[]>();
  for (const user of relevantOf(test).keys()) {
    const u = userIndex.get(user);
    if (u === undefined) {
      out.set(user, popular.slice(0, K));
      continue;
    }
    const recent = (history.get(user) ?? [])
      .slice()
      .sort((a, b) => b.ts - a.ts)
      .slice(0, 20)
      .map((h) => neighbours[itemIndex.get(h.item)!]!);
    const candidates = topNCandidateFacts(
      topN[u]!.map((s) => [s.itemId, s.score] as const),
      {
        itemFacts: (id) => facts.get(id),
        categoryAffinity: {},
        recentNeighbours: recent,
        now: 0,
        hour: 12,
        device: 'unknown',
      },
    );
    out.set(user, rankCachedCandidates(candidates, outputs.scorer, K));
  }
  return out;
}

function printReport(
  source: string,
  m: RankingMetrics,
  trainMs: number,
  trainCpuMs: number,
  outputs: TrainOutputs,
  nonZeros: number,
): void {
  const f = (x: number) => x.toFixed(4);
  console.log(`data: ${source}`);
  console.log(`model: ${outputs.model}, dims ${outputs.dims}, training non-zeros ${nonZeros}`);
  console.log('');
  console.log(`| metric@${K} | value |`);
  console.log('|---|---|');
  console.log(`| precision | ${f(m.precision)} |`);
  console.log(`| recall | ${f(m.recall)} |`);
  console.log(`| nDCG | ${f(m.ndcg)} |`);
  console.log(`| MAP | ${f(m.map)} |`);
  console.log(`| coverage | ${f(m.coverage)} |`);
  console.log(`| users | ${m.users} |`);
  console.log(`| training time (s, wall) | ${(trainMs / 1000).toFixed(2)} |`);
  console.log(`| training time (s, CPU) | ${(trainCpuMs / 1000).toFixed(2)} |`);
  console.log('');
  console.log('hyper-parameters:', JSON.stringify(outputs.hyperParameters));
  if (outputs.validation) console.log('validation:', JSON.stringify(outputs.validation));
  console.log('timings (ms):', JSON.stringify(outputs.timings));
  if (outputs.alsThroughput !== null) {
    console.log(
      `ALS throughput: ${(outputs.alsThroughput / 1e6).toFixed(2)} M non-zeros × iterations / s`,
    );
  }
}

main();
