/**
 * Freshness lift: a temporal replay of ml-100k. The first part of the events by time is imported and
 * batched once; the state is snapshotted; then, for the real-time loop on and off, a stack restored
 * from that snapshot replays the next events in time order, asking each user's top-10 before each
 * event (hit rate@10 and MRR of the item about to be consumed). Also measures how long after
 * `POST /v1/events` returns the next recommendation reflects the event.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import type { BatchSettings, BenchApi } from './api-client';
import { importRatings, type ImportReport } from './importer';
import { scoreNextItems, relativeChange, type NextItemScores } from './ranking-metrics';
import { temporalSplit, type Rating } from './ratings';
import { withStack, type RealtimeMode, type StackLauncher } from './stack';
import { untimed, type TimeStage } from './stage-timer';
import { summariseSample, type SampleSummary } from './stats';

export interface FreshnessOptions {
  /** Share of events (by time) used for training. */
  trainFraction: number;
  /** How many of the following events are replayed. */
  replayEvents: number;
  k: number;
  /** Samples of the event→reflected delay, and how long to wait for one. */
  reflectSamples: number;
  reflectTimeoutMs: number;
  batchTimeoutMs: number;
  /** Training settings of the batch run. */
  batch: BatchSettings;
  /** Where the imported state is kept between the two replays. */
  snapshotDir: string;
  /** The state folder the stacks run on (restored from the snapshot before each replay). */
  stateDir: string;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Times the stages (import, batch, replays). */
  time?: TimeStage;
}

export interface ReplayResult extends NextItemScores {
  realtime: RealtimeMode;
  /** True when the restored state was not served and the stack had to import and batch again. */
  reimported: boolean;
  getMs: SampleSummary;
  postMs: SampleSummary;
  replayMs: number;
  reflect: ReflectResult;
}

export interface ReflectResult {
  samples: number;
  /** Share of samples where the consumed item left the top-10 within the timeout. */
  reflectedShare: number;
  /** ms from `POST /v1/events` returning to the first answer without the item (reflected samples). */
  delayMs: SampleSummary | null;
  /** Share of reflected samples where the very next request already reflected the event. */
  nextRequestShare: number;
}

export interface FreshnessResult {
  events: { train: number; replayed: number; users: number };
  import: ImportReport;
  batchWallMs: number;
  on: ReplayResult;
  off: ReplayResult;
  /** Relative lift of hit rate and MRR, on vs off ((on − off) / off). */
  hitRateLift: number | null;
  mrrLift: number | null;
  hitRateDelta: number;
}

/** Runs the freshness measurement; every stack it starts is stopped before it returns or throws. */
export async function measureFreshness(
  launch: StackLauncher,
  ratings: readonly Rating[],
  options: FreshnessOptions,
): Promise<FreshnessResult> {
  const { head, tail } = temporalSplit(ratings, options.trainFraction);
  const replayed = tail.slice(0, options.replayEvents);
  const log = options.log ?? (() => {});
  const time = options.time ?? untimed;

  rmSync(options.stateDir, { recursive: true, force: true });
  const prepared = await withStack(
    launch,
    { stateDir: options.stateDir, realtime: 'on' },
    async (stack) => {
      const report = await time('freshness: events import', () =>
        importRatings(stack.api, head, { prefix: 'f' }),
      );
      const batch = await time('freshness: batch run', () =>
        stack.api.runBatch(options.batchTimeoutMs, options.batch),
      );
      return { report, batch };
    },
  );
  rmSync(options.snapshotDir, { recursive: true, force: true });
  cpSync(options.stateDir, options.snapshotDir, { recursive: true });

  const runMode = async (realtime: RealtimeMode): Promise<ReplayResult> => {
    rmSync(options.stateDir, { recursive: true, force: true });
    cpSync(options.snapshotDir, options.stateDir, { recursive: true });
    return withStack(launch, { stateDir: options.stateDir, realtime }, async (stack) => {
      const reimported = !(await servesVersion(stack.api, prepared.batch.report.version));
      if (reimported) {
        await importRatings(stack.api, head, { prefix: 'f' });
        await stack.api.runBatch(options.batchTimeoutMs, options.batch);
      }
      const replay = await time(`freshness: replay (real-time ${realtime})`, () =>
        replayEvents(stack.api, replayed, options.k),
      );
      const users = [...new Set(replayed.map((r) => r.userId))];
      const reflect = await time(`freshness: reflect delay (real-time ${realtime})`, () =>
        measureReflectDelay(
          stack.api,
          users,
          realtime === 'on' ? options.reflectSamples : Math.min(5, options.reflectSamples),
          realtime === 'on' ? options.reflectTimeoutMs : Math.min(3000, options.reflectTimeoutMs),
          options.k,
        ),
      );
      log(
        `  real-time ${realtime}: hit rate@${options.k} ${replay.hitRate.toFixed(4)}, MRR ${replay.mrr.toFixed(4)} over ${replay.events} events${reimported ? ' (state re-imported)' : ''}`,
      );
      return { realtime, reimported, ...replay, reflect };
    });
  };
  const on = await runMode('on');
  const off = await runMode('off');
  if (existsSync(options.snapshotDir))
    rmSync(options.snapshotDir, { recursive: true, force: true });

  return {
    events: {
      train: head.length,
      replayed: replayed.length,
      users: new Set(replayed.map((r) => r.userId)).size,
    },
    import: prepared.report,
    batchWallMs: prepared.batch.wallMs,
    on,
    off,
    hitRateLift: relativeChange(on.hitRate, off.hitRate),
    mrrLift: relativeChange(on.mrr, off.mrr),
    hitRateDelta: on.hitRate - off.hitRate,
  };
}

/** True when the stack serves `version` (the restored snapshot survived the restart). */
async function servesVersion(api: BenchApi, version: string): Promise<boolean> {
  const status = await api.status();
  return JSON.stringify(status).includes(version);
}

/** Replays events in order: ask the user's top-k, note the rank of the item, then post the event. */
export async function replayEvents(
  api: BenchApi,
  events: readonly Rating[],
  k: number,
): Promise<NextItemScores & { getMs: SampleSummary; postMs: SampleSummary; replayMs: number }> {
  const ranks: number[] = [];
  const getMs: number[] = [];
  const postMs: number[] = [];
  const started = performance.now();
  for (const e of events) {
    const answer = await api.recommendations(e.userId, k);
    getMs.push(answer.ms);
    ranks.push(answer.items.findIndex((i) => i.itemId === e.itemId));
    const posted = await api.postEvents([
      {
        id: `replay-${e.userId}-${e.itemId}-${e.timestamp}`,
        userId: e.userId,
        itemId: e.itemId,
        type: 'rating',
        value: e.rating,
        timestamp: e.timestamp * 1000,
      },
    ]);
    postMs.push(posted.ms);
  }
  return {
    ...scoreNextItems(ranks),
    getMs: summariseSample(getMs.length ? getMs : [0]),
    postMs: summariseSample(postMs.length ? postMs : [0]),
    replayMs: performance.now() - started,
  };
}

/**
 * For `samples` users: take the first item of the user's top-k, post a rating of it, then ask again
 * back to back until the item is gone; the delay runs from the POST's answer to the first answer
 * without the item.
 */
export async function measureReflectDelay(
  api: BenchApi,
  users: readonly string[],
  samples: number,
  timeoutMs: number,
  k: number,
): Promise<ReflectResult> {
  const delays: number[] = [];
  let attempted = 0;
  let nextRequest = 0;
  for (const userId of users) {
    if (attempted >= samples) break;
    const before = await api.recommendations(userId, k);
    const target = before.items[0]?.itemId;
    if (target === undefined) continue;
    attempted += 1;
    await api.postEvents([
      { id: `reflect-${userId}-${target}`, userId, itemId: target, type: 'rating', value: 5 },
    ]);
    const posted = performance.now();
    let polls = 0;
    for (;;) {
      const answer = await api.recommendations(userId, k);
      polls += 1;
      const now = performance.now();
      if (!answer.items.some((i) => i.itemId === target)) {
        delays.push(now - posted);
        if (polls === 1) nextRequest += 1;
        break;
      }
      if (now - posted > timeoutMs) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return {
    samples: attempted,
    reflectedShare: attempted === 0 ? 0 : delays.length / attempted,
    delayMs: delays.length ? summariseSample(delays) : null,
    nextRequestShare: delays.length === 0 ? 0 : nextRequest / delays.length,
  };
}
