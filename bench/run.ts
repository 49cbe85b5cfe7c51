/**
 * `npm run bench`: measures the running system end to end over its public HTTP API (quality,
 * freshness lift, latency and throughput), next to a naive baseline and the component benchmarks,
 * repeated for medians and spread; writes bench/results/*.json and (full runs) BENCHMARKS.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BatchSettings } from './api-client';
import { REPO_ROOT } from './child-process';
import { buildApiBundle, startDirectApi } from './direct-api';
import { componentSpecs, runComponent, type ComponentResult } from './components';
import { toFigureTree, type BenchResults, type RunResult, type SectionError } from './results';
import {
  loadMl100kAll,
  loadMl100kSplit,
  ml100kMissing,
  standInRatings,
  type RatingsDataset,
} from './datasets';
import { collectEnvironment } from './environment';
import { measureFreshness } from './freshness';
import { measureLatency } from './latency';
import { measureNaive } from './naive';
import { evaluateOffline } from './offline';
import { parseBenchArgs, type BenchOptions } from './options';
import { measureServedQuality } from './quality';
import { formatRatings, sliceUsers, type Rating } from './ratings';
import { writeJson, writeSummary, PUBLISHED_NDCG } from './report';
import { allocateStackPorts } from '../local/stack';
import { stackLauncher, stopAllStacks, withStack } from './stack';
import { StageTimer } from './stage-timer';
import { combineRuns, type NumberTree } from './stats';
import { renderSummary } from './summary';

const K = 10;
const BATCH_TIMEOUT_MS = 20 * 60 * 1000;

/** The data of the quality and freshness measurements, per mode and availability. */
function loadData(options: BenchOptions): {
  quality: RatingsDataset;
  replay: Rating[];
  replayName: string;
  note: string | null;
} {
  const missing = ml100kMissing();
  if (missing) {
    const quality = options.quick ? standInRatings(options.quickUsers, 400) : standInRatings();
    return {
      quality,
      replay: [...quality.train, ...quality.test],
      replayName: quality.name,
      note: `${missing}: measured on a generated data set instead; MovieLens figures are not comparable.`,
    };
  }
  const split = loadMl100kSplit();
  const all = loadMl100kAll();
  if (!options.quick)
    return { quality: split, replay: all, replayName: 'ml-100k u.data', note: null };
  const train = sliceUsers(split.train, options.quickUsers);
  const users = new Set(train.map((r) => r.userId));
  const items = new Set(train.map((r) => r.itemId));
  return {
    quality: {
      name: `${split.name}, first ${options.quickUsers} users`,
      train,
      test: split.test.filter((r) => users.has(r.userId)),
      items: split.items.filter((i) => items.has(i.itemId)),
    },
    replay: sliceUsers(all, options.quickUsers),
    replayName: `ml-100k u.data, first ${options.quickUsers} users`,
    note: null,
  };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--summary-from') {
    // Re-renders BENCHMARKS.md from a results file without measuring anything.
    const path = argv[1];
    if (!path) throw new Error('usage: npm run bench -- --summary-from bench/results/latest.json');
    const saved = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
    await writeSummary(join(REPO_ROOT, 'BENCHMARKS.md'), renderSummary(saved));
    console.log(`summary: BENCHMARKS.md regenerated from ${path}`);
    return 0;
  }
  const options = parseBenchArgs(argv);
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const environment = collectEnvironment(command);
  const log = (line: string) => console.log(line);
  const startedAt = performance.now();
  const timer = new StageTimer(log);
  const time = timer.time;
  const work = mkdtempSync(join(tmpdir(), 'edgerec-bench-'));
  workDir = work;
  const errors: SectionError[] = [];
  const runs: RunResult[] = [];
  const data = loadData(options);
  if (data.note) log(`note: ${data.note}`);

  // `npm run evaluate` needs the very files that were imported.
  let files = data.quality.files;
  if (!files) {
    files = { train: join(work, 'train.tsv'), test: join(work, 'test.tsv') };
    writeFileSync(files.train, formatRatings(data.quality.train));
    writeFileSync(files.test, formatRatings(data.quality.test));
  }
  // Quick runs train with the default hyper-parameters (no tuning search), served and offline alike.
  const batchSettings: BatchSettings = options.quick ? { tune: 'off' } : {};
  const ports = await allocateStackPorts();
  const launch = stackLauncher(ports, log, time);
  const has = (s: Parameters<BenchOptions['sections']['has']>[0]) => options.sections.has(s);
  // The latency section also serves the API in plain workerd (bench/direct-api.ts); its bundle is
  // built once, while the first stack starts.
  const apiBundle = has('latency') ? buildApiBundle(REPO_ROOT, join(work, 'api-bundle')) : null;
  apiBundle?.catch(() => undefined); // awaited (and reported) by the latency section
  const section = async <T>(
    name: string,
    run: number,
    fn: () => Promise<T>,
    diagnostics?: () => string[],
  ): Promise<T | undefined> => {
    const started = performance.now();
    log(`[run ${run}] ${name}…`);
    try {
      const value = await fn();
      log(`[run ${run}] ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return value;
    } catch (error) {
      const tail = diagnostics?.().slice(-15).join('\n');
      const message = `${(error as Error).message}${tail ? `\n--- last worker output ---\n${tail}` : ''}`;
      log(
        `[run ${run}] ${name} FAILED: ${(error as Error).stack ?? String(error)}${tail ? `\n--- last worker output ---\n${tail}` : ''}`,
      );
      errors.push({ section: name, run, message });
      return undefined;
    }
  };

  const out = resolve(
    options.out ??
      join(REPO_ROOT, 'bench', 'results', options.quick ? 'quick.json' : 'latest.json'),
  );
  mkdirSync(resolve(out, '..'), { recursive: true });
  const assemble = (): BenchResults => ({
    schema: 1,
    mode: options.quick ? 'quick' : 'full',
    environment,
    options: { ...options, sections: [...options.sections] },
    data: {
      quality: data.quality.name,
      qualityFiles: data.quality.files ?? null,
      replay: data.replayName,
      note: data.note,
    },
    published: { ndcg: PUBLISHED_NDCG },
    figures: combineRuns(runs.map(toFigureTree) as NumberTree[]),
    runs,
    errors,
    stages: timer.stages,
  });
  // Written after every section, so that a run stopped late still leaves what it measured.
  const flush = (partial: RunResult) =>
    writeJson(out, { ...assemble(), runs: [...runs, partial], partial: true });

  try {
    for (let run = 1; run <= options.repeats; run++) {
      const result: RunResult = {};
      if (has('quality') || has('latency')) {
        await section('quality+latency stack', run, () =>
          withStack(
            launch,
            { stateDir: join(work, `quality-${run}`), realtime: 'on', persistence: false },
            async (stack) => {
              if (has('quality') || has('latency')) {
                result.quality = await section(
                  'quality',
                  run,
                  () =>
                    measureServedQuality(stack.api, data.quality, {
                      k: K,
                      withItems: true,
                      concurrency: 8,
                      batchTimeoutMs: BATCH_TIMEOUT_MS,
                      batch: batchSettings,
                      log,
                      time,
                    }),
                  stack.recentOutput,
                );
                flush(result);
              }
              if (has('latency') && result.quality) {
                const knownUsers = [...new Set(data.quality.test.map((r) => r.userId))];
                result.latency = await section(
                  'latency',
                  run,
                  async () => {
                    const direct = await time('latency: direct API start', async () =>
                      startDirectApi(await apiBundle!, stack.stateDir),
                    );
                    try {
                      return await measureLatency(stack.api, stack.keys, {
                        concurrencies: options.concurrencies,
                        rates: options.rates,
                        minPacedRequests: options.quick ? 0 : 1000,
                        durationSec: options.durationSec,
                        warmupSec: options.quick ? 0 : 1,
                        k: K,
                        knownUsers,
                        itemIds: [...new Set(data.quality.train.map((r) => r.itemId))],
                        annUsers: options.quick ? 50 : 300,
                        time,
                        direct: { url: direct.url, headers: direct.headers },
                      });
                    } finally {
                      await direct.close();
                    }
                  },
                  stack.recentOutput,
                );
                flush(result);
              }
            },
          ),
        );
        rmSync(join(work, `quality-${run}`), { recursive: true, force: true });
      }
      if (has('quality')) {
        result.offline = await section('offline evaluation', run, () =>
          time('offline evaluation', () =>
            evaluateOffline(
              files.train,
              files.test,
              30 * 60 * 1000,
              options.quick ? ['--tune', 'off'] : [],
            ),
          ),
        );
        flush(result);
        if (result.quality && result.offline && 'ndcg' in result.offline) {
          const gap = (a: number, b: number) => (b === 0 ? 0 : (a - b) / b);
          const ndcgGap = gap(result.quality.served.ndcg, result.offline.ndcg);
          result.servedVsOffline = {
            ndcgGap,
            precisionGap: gap(result.quality.served.precision, result.offline.precision),
            flagged: ndcgGap < -0.01,
          };
        }
        if (options.withoutItems && run === 1) {
          result.qualityWithoutItems = await section('quality without items', run, () =>
            withStack(
              launch,
              { stateDir: join(work, 'quality-no-items'), realtime: 'on', persistence: false },
              (stack) =>
                measureServedQuality(stack.api, data.quality, {
                  k: K,
                  withItems: false,
                  concurrency: 8,
                  batchTimeoutMs: BATCH_TIMEOUT_MS,
                  batch: batchSettings,
                  log,
                }),
            ),
          );
          flush(result);
          rmSync(join(work, 'quality-no-items'), { recursive: true, force: true });
        }
      }
      if (has('freshness')) {
        result.freshness = await section('freshness', run, () =>
          measureFreshness(launch, data.replay, {
            trainFraction: 0.8,
            replayEvents: options.replay,
            k: K,
            // Quick: with the loop off the item never leaves the list, so each sample waits out
            // the timeout; a few short samples still show on reflecting and off not.
            reflectSamples: options.quick ? 3 : 50,
            reflectTimeoutMs: options.quick ? 1_000 : 10_000,
            batchTimeoutMs: BATCH_TIMEOUT_MS,
            batch: batchSettings,
            snapshotDir: join(work, 'freshness-snapshot'),
            stateDir: join(work, 'freshness'),
            log,
            time,
          }),
        );
        flush(result);
        rmSync(join(work, 'freshness'), { recursive: true, force: true });
      }
      if (has('naive')) {
        result.naive = await section('naive baseline', run, () =>
          time('naive baseline', async () => {
            const dims = Number(result.quality?.batch.hyperParameters?.dims ?? 64) || 64;
            const catalogueItems = new Set(data.quality.train.map((r) => r.itemId)).size;
            return {
              catalogue: measureNaive({
                items: catalogueItems,
                dims,
                users: 200,
                requests: options.quick ? 200 : 2000,
                seenPerUser: 80,
                k: K,
                seed: run,
              }),
              generated100k: measureNaive({
                items: 100_000,
                dims: 64,
                users: 20,
                requests: options.quick ? 10 : 200,
                seenPerUser: 80,
                k: K,
                seed: run,
              }),
            };
          }),
        );
        flush(result);
      }
      if (has('components')) {
        const components: Record<string, ComponentResult> = {};
        result.components = components;
        for (const spec of componentSpecs(options.quick)) {
          const r = await section(`component ${spec.name}`, run, () =>
            time(`component ${spec.name}`, () => runComponent(spec)),
          );
          if (r) components[spec.name] = r;
          if (r && !r.ok) log(`[run ${run}] component ${spec.name}: ${r.skipped ?? r.error}`);
          flush(result);
        }
      }
      runs.push(result);
    }
  } finally {
    await stopAllStacks();
    rmSync(work, { recursive: true, force: true });
  }

  const results = assemble();
  writeJson(out, results);
  for (const line of timer.table(performance.now() - startedAt)) log(line);
  log(`results: ${out}`);
  if (!options.quick && options.out === null) {
    await writeSummary(join(REPO_ROOT, 'BENCHMARKS.md'), renderSummary(results));
    log('summary: BENCHMARKS.md updated');
  }
  if (errors.length > 0) {
    log(
      `${errors.length} measurement(s) failed: ${errors.map((e) => `${e.section} (run ${e.run})`).join(', ')}`,
    );
    return 1;
  }
  return 0;
}

/** The run's temporary folder, removed on exit and on Ctrl-C. */
let workDir: string | null = null;

const onSignal = (signal: NodeJS.Signals) => {
  console.error(`${signal}: stopping the stacks…`);
  void stopAllStacks(true).finally(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    process.exit(130);
  });
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    console.error((error as Error).stack ?? error);
    await stopAllStacks();
    process.exitCode = 1;
  },
);
