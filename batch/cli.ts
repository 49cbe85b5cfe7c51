/**
 * `npm run batch`: one batch run from the command line, with the same stages as the scheduled
 * worker, against the same Redis and vector index (settings from the environment or `.dev.vars`).
 *
 * Workers KV is not reachable from Node (the local KV lives inside the running `wrangler dev`
 * process), so this writes Redis and the vector index only; the edge reads a version that has no
 * KV copy from Redis, its source of truth, and the next worker run writes KV again.
 *
 * Options: --dims N  --seed N  --model auto|als|ease  --ease-max-items N  --no-tune  --no-vectors  --json
 * Exit codes: 0 succeeded, 1 failed, 2 refused, 3 another run holds the lock.
 * Test hooks: EDGEREC_BATCH_PAUSE_BEFORE_FLIP_MS=n pauses n ms after the outputs are written and
 * verified, announcing it on stderr, so a test can kill the process right before the flip;
 * EDGEREC_BATCH_LOCK_TTL_MS=n shortens the lock's expiry (default 15 minutes), so that a test need
 * not wait that long after killing a run.
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../shared/config';
import { createBatchDeps } from './deps';
import { loadSettings } from './env-file';
import { createProgressBar } from './progress-bar';
import { startBatch, type BatchOptions } from './run-batch';
import { renderSummary } from './summary-table';

const EXIT = { succeeded: 0, failed: 1, refused: 2, locked: 3 } as const;

/** Marker line a test waits for before it kills the process. */
const PAUSE_MARKER = 'outputs written, pausing before flip';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dims: { type: 'string' },
      seed: { type: 'string' },
      model: { type: 'string' },
      'ease-max-items': { type: 'string' },
      'no-tune': { type: 'boolean', default: false },
      'no-vectors': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const { vars, source } = loadSettings(process.cwd());
  const config = parseConfig(vars);
  const model = values.model ?? 'auto';
  if (model !== 'auto' && model !== 'als' && model !== 'ease') {
    throw new Error(`--model must be auto, als or ease (got ${model})`);
  }
  const int = (text: string | undefined, fallback: number, name: string) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer (got ${text})`);
    return n;
  };
  const pauseMs = Number(process.env.EDGEREC_BATCH_PAUSE_BEFORE_FLIP_MS ?? 0);
  const lockTtlMs = Number(process.env.EDGEREC_BATCH_LOCK_TTL_MS ?? 0);
  const bar = createProgressBar();
  const options: BatchOptions = {
    trigger: 'cli',
    platform: 'node',
    ...(lockTtlMs > 0 ? { lockTtlMs } : {}),
    eventWeights: config.EDGEREC_EVENT_WEIGHTS,
    train: {
      dims: int(values.dims, config.EDGEREC_DIMS, 'dims'),
      seed: int(values.seed, 42, 'seed'),
      tune: values['no-tune'] ? 'off' : 'auto',
      model,
      ...(values['ease-max-items'] !== undefined
        ? { easeMaxItems: int(values['ease-max-items'], 0, 'ease-max-items') }
        : {}),
    },
    onProgress: (stage, done, total) => bar.update(stage, done, total),
    onStage: (stage) => {
      bar.finish();
      process.stderr.write(`${stage.name} done in ${Math.round(stage.ms)} ms\n`);
    },
    hooks:
      pauseMs > 0
        ? {
            beforeFlip: async (report) => {
              process.stderr.write(`${PAUSE_MARKER}: version ${report.version}\n`);
              await new Promise((resolve) => setTimeout(resolve, pauseMs));
            },
          }
        : undefined,
  };
  process.stderr.write(`settings: ${source}\n`);
  // With --expose-gc and EDGEREC_BATCH_LIVE_MEMORY=1 (batch/measure.ts), each sample first collects
  // garbage, so the peak is of live memory — what an isolate under pressure has to hold. Twice: a
  // freed ArrayBuffer (an EASE matrix is 22 MB on ML-100K) leaves the `arrayBuffers` count only
  // once its backing store is swept, which the first collection may leave pending.
  const gc = (globalThis as { gc?: () => void }).gc;
  const live = process.env.EDGEREC_BATCH_LIVE_MEMORY === '1' && gc !== undefined;
  const deps = createBatchDeps(config, {
    vectors: !values['no-vectors'],
    memoryUsage: () => {
      if (live) {
        gc();
        gc();
      }
      return process.memoryUsage();
    },
  });
  const start = await startBatch(deps, options);
  if (!start.started) {
    process.stderr.write(`another batch run holds the lock: ${start.holder ?? 'unknown'}\n`);
    return EXIT.locked;
  }
  process.stderr.write(`run ${start.runId} started\n`);
  const report = await start.done;
  bar.finish();
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${renderSummary(report)}\n`);
  return report.state === 'succeeded'
    ? EXIT.succeeded
    : report.state === 'refused'
      ? EXIT.refused
      : EXIT.failed;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`batch: ${(error as Error).message ?? String(error)}\n`);
    process.exit(EXIT.failed);
  },
);
