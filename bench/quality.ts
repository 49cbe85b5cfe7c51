/**
 * Quality through the API: import a training file through `POST /v1/events`, run the batch through
 * `POST /v1/admin/batch`, ask every test user's top-10 over HTTP and score the answers with the
 * offline metric functions (protocol of PRODUCT.md).
 */
import type { RankingMetrics } from '../shared/domain/artefacts';
import type { BatchRunReport } from '../shared/domain/batch';
import type { BatchSettings, BenchApi } from './api-client';
import type { RatingsDataset } from './datasets';
import { importItems, importRatings, type ImportReport } from './importer';
import { mapConcurrent } from './pool';
import { scoreAnswers } from './ranking-metrics';
import { untimed, type TimeStage } from './stage-timer';
import { relevantByUser } from './ratings';
import { summariseSample, type SampleSummary } from './stats';

export interface QualityOptions {
  k: number;
  /** Post the catalogue (genres as categories) before the events. */
  withItems: boolean;
  /** Parallel `GET .../recommendations` while scoring. */
  concurrency: number;
  batchTimeoutMs: number;
  /** Training settings of the batch run (quick runs switch tuning off). */
  batch: BatchSettings;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Times the stages (import, batch, scoring). */
  time?: TimeStage;
}

export interface QualityResult {
  dataset: string;
  withItems: boolean;
  itemsImport: { items: number; ms: number } | null;
  eventsImport: ImportReport;
  batch: {
    wallMs: number;
    version: string;
    stages: BatchRunReport['stages'];
    hyperParameters: BatchRunReport['hyperParameters'] | null;
    validation: RankingMetrics | null;
  };
  served: RankingMetrics;
  /** Answers whose `modelVersion` was not the version the batch wrote. */
  staleAnswers: number;
  /** Answers with a non-empty `degraded` list, and how often each part was skipped. */
  degradedAnswers: number;
  degradedParts: Record<string, number>;
  /** How many of the served items each candidate source proposed. */
  sourceShares: Record<string, number>;
  /** Answers shorter than k. */
  shortAnswers: number;
  requestMs: SampleSummary;
}

/**
 * Runs the quality measurement against a stack with empty stores. Throws when the batch fails:
 * a benchmark that silently scored an empty model would be worse than none.
 */
export async function measureServedQuality(
  api: BenchApi,
  data: RatingsDataset,
  options: QualityOptions,
): Promise<QualityResult> {
  const trainItems = new Set(data.train.map((r) => r.itemId));
  const catalogue = data.items.filter((i) => trainItems.has(i.itemId));
  const log = options.log ?? (() => {});
  const time = options.time ?? untimed;
  const itemsImport = options.withItems
    ? await time('quality: items import', () => importItems(api, catalogue))
    : null;
  if (itemsImport) log(`  items: ${itemsImport.items} posted in ${Math.round(itemsImport.ms)} ms`);
  const eventsImport = await time('quality: events import', () =>
    importRatings(api, data.train, { prefix: 'q' }),
  );
  log(
    `  events: ${eventsImport.events} imported in ${Math.round(eventsImport.ms)} ms (${eventsImport.splits} requests split after a 5xx)`,
  );
  const { report, wallMs } = await time('quality: batch run', () =>
    api.runBatch(options.batchTimeoutMs, options.batch),
  );
  log(`  batch: version ${report.version} in ${Math.round(wallMs)} ms`);

  const truth = relevantByUser(data.test);
  const users = [...truth.keys()];
  const answers = await time('quality: recommendations', () =>
    mapConcurrent(users, options.concurrency, (u) => api.recommendations(u, options.k)),
  );
  const served = new Map<string, string[]>();
  const degradedParts: Record<string, number> = {};
  const sourceShares: Record<string, number> = {};
  let staleAnswers = 0;
  let degradedAnswers = 0;
  let shortAnswers = 0;
  let servedItems = 0;
  for (const a of answers) {
    served.set(
      a.userId,
      a.items.map((i) => i.itemId),
    );
    if (a.modelVersion !== report.version) staleAnswers += 1;
    if (a.degraded.length > 0) degradedAnswers += 1;
    for (const d of a.degraded) degradedParts[d] = (degradedParts[d] ?? 0) + 1;
    if (a.items.length < options.k) shortAnswers += 1;
    for (const item of a.items) {
      servedItems += 1;
      for (const s of item.sources) sourceShares[s] = (sourceShares[s] ?? 0) + 1;
    }
  }
  for (const s of Object.keys(sourceShares))
    sourceShares[s] = (sourceShares[s] as number) / Math.max(1, servedItems);

  return {
    dataset: data.name,
    withItems: options.withItems,
    itemsImport,
    eventsImport,
    batch: {
      wallMs,
      version: report.version,
      stages: report.stages,
      hyperParameters: report.hyperParameters ?? null,
      validation: report.metrics ?? null,
    },
    served: scoreAnswers(served, truth, options.k, trainItems.size),
    staleAnswers,
    degradedAnswers,
    degradedParts,
    sourceShares,
    shortAnswers,
    requestMs: summariseSample(answers.map((a) => a.ms)),
  };
}
