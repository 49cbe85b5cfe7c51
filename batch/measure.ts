/**
 * Batch figures for the bench and the notes, printed as JSON on stdout: for MovieLens-100K
 * (../shared/data/ml-100k, skipped with a note when absent) and a generated data set (1M events by
 * default), the import rate, then one `npm run batch` process per data set with its time per stage,
 * ALS throughput, data sizes, validation metrics and peak memory (RSS and heap, sampled during the
 * run) beside the memory model's estimate. Everything runs on a private set of local servers, so a
 * running `npm start` stack is left alone.
 *
 *   npx tsx batch/measure.ts [--datasets ml-100k,generated] [--events 1000000] [--dims 64] [--tune auto|off]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDemo } from '../local/demo/generate';
import { UpstashCatalogue } from '../shared/adapters/upstash-catalogue';
import { UpstashEventLog } from '../shared/adapters/upstash-event-log';
import { createRedisClient, type Redis } from '../shared/adapters/upstash-redis-client';
import type { BatchRunReport } from '../shared/domain/batch';
import { generatedShape } from './generate-events';
import { demoToStored } from './import/from-demo';
import { importEventFile, OverlappingAppender } from './import/import-events';
import { movieLensRatings, parseMovieLensItems } from './import/movielens';
import { startBatchStack, type BatchStack } from './private-servers';
import { estimateMemory } from './stages/platform-limits';

const ROOT = resolve(import.meta.dirname, '..');
const ML100K = resolve(ROOT, '../shared/data/ml-100k');

interface ImportFigures {
  events: number;
  items: number;
  ms: number;
  eventsPerSecond: number;
}

async function importMl100k(redis: Redis): Promise<ImportFigures> {
  const items = parseMovieLensItems(readFileSync(join(ML100K, 'u.item'), 'latin1'), Date.now());
  const started = performance.now();
  await new UpstashCatalogue(redis).put(items);
  const report = await importEventFile(
    new UpstashEventLog(redis),
    movieLensRatings,
    join(ML100K, 'u.data'),
  );
  const ms = performance.now() - started;
  return {
    events: report.events,
    items: items.length,
    ms: Math.round(ms),
    eventsPerSecond: Math.round(report.events / (ms / 1000)),
  };
}

async function importGenerated(
  redis: Redis,
  events: number,
): Promise<ImportFigures & { shape: object }> {
  const shape = generatedShape(events);
  const stored = demoToStored(generateDemo(shape));
  const started = performance.now();
  await new UpstashCatalogue(redis).put(stored.items);
  const appender = new OverlappingAppender(new UpstashEventLog(redis));
  for (const event of stored.events) await appender.push(event);
  await appender.close();
  const ms = performance.now() - started;
  return {
    shape,
    events: appender.appended,
    items: stored.items.length,
    ms: Math.round(ms),
    eventsPerSecond: Math.round(appender.appended / (ms / 1000)),
  };
}

/** Runs `batch/cli.ts --json` against the private servers and returns its report. */
async function runBatch(stack: BatchStack, args: string[]): Promise<BatchRunReport> {
  // --expose-gc + EDGEREC_BATCH_LIVE_MEMORY: every memory sample first collects garbage.
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(ROOT, 'batch/cli.ts'), '--json', ...args],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        EDGEREC_SETTINGS_FILE: 'none',
        EDGEREC_BATCH_LIVE_MEMORY: '1',
        ...stack.env,
      } as unknown as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolveExit) => child.on('exit', resolveExit));
  return JSON.parse(out) as BatchRunReport;
}

function figures(report: BatchRunReport, dims: number) {
  const stages = Object.fromEntries(
    report.stages.filter((s) => s.name !== 'memory').map((s) => [s.name, s.ms]),
  );
  const train = report.stages.find((s) => s.name === 'train')?.detail ?? {};
  const memory = report.stages.find((s) => s.name === 'memory')?.detail ?? {};
  const data = report.data;
  const iterations = Number(report.hyperParameters?.als_iterations ?? NaN);
  const estimate = data
    ? estimateMemory({
        ...data,
        dims,
        easeMaxItems: Number(
          report.stages.find((s) => s.name === 'limits')?.detail?.easeMaxItems ?? 0,
        ),
      })
    : null;
  return {
    state: report.state,
    error: report.error,
    data,
    stagesMs: stages,
    totalMs: report.finishedAt ? report.finishedAt - report.startedAt : null,
    train,
    alsThroughput:
      typeof train.alsThroughput === 'number'
        ? train.alsThroughput
        : data && Number.isFinite(iterations) && stages.train
          ? Math.round((data.nonZeros * iterations) / (stages.train / 1000))
          : null,
    alsThroughputNote:
      typeof train.alsThroughput === 'number'
        ? 'non-zeros × iterations per second of ALS, as the trainer measured it'
        : 'lower bound: non-zeros × final-model iterations over the whole train stage (validation fits and tuning included)',
    hyperParameters: report.hyperParameters,
    validation: report.metrics ?? null,
    memory: {
      peakRssBytes: memory.peakRssBytes ?? null,
      peakHeapUsedBytes: memory.peakHeapUsedBytes ?? null,
      peakHeapPlusArrayBuffersBytes: memory.peakHeapPlusArrayBuffersBytes ?? null,
      baselineHeapPlusArrayBuffersBytes: memory.baselineHeapPlusArrayBuffersBytes ?? null,
      estimatedBytes: estimate ? Math.round(estimate.total) : null,
      estimateTerms: estimate?.terms ?? null,
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      datasets: { type: 'string', default: 'ml-100k,generated' },
      events: { type: 'string', default: '1000000' },
      dims: { type: 'string', default: '64' },
      tune: { type: 'string', default: 'auto' },
    },
    strict: true,
  });
  const dims = Number(values.dims);
  const batchArgs = ['--dims', String(dims), ...(values.tune === 'off' ? ['--no-tune'] : [])];
  // Other processes on the machine slow every figure; the load average says how much.
  const loadBefore = loadavg()[0];
  const stack = await startBatchStack(dims);
  const redis = createRedisClient(stack.redisRest);
  const results: Record<string, unknown> = {};
  try {
    for (const name of values.datasets.split(',')) {
      await redis.flushdb();
      process.stderr.write(`measure: ${name}\n`);
      if (name === 'ml-100k') {
        if (!existsSync(join(ML100K, 'u.data'))) {
          results[name] = { skipped: `MovieLens-100K not found at ${ML100K}` };
          continue;
        }
        const imported = await importMl100k(redis);
        results[name] = {
          import: imported,
          batch: figures(await runBatch(stack, batchArgs), dims),
        };
      } else if (name === 'generated') {
        const imported = await importGenerated(redis, Number(values.events));
        results[name] = {
          import: imported,
          batch: figures(await runBatch(stack, batchArgs), dims),
        };
      } else {
        throw new Error(`unknown data set ${name} (ml-100k, generated)`);
      }
    }
  } finally {
    await stack.stop();
  }
  process.stdout.write(
    `${JSON.stringify(
      {
        measuredAt: new Date().toISOString(),
        dims,
        tune: values.tune,
        cores: cpus().length,
        loadAverage1m: { before: loadBefore, after: loadavg()[0] },
        results,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`measure: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
