/** The shape of a benchmark results file, and how repeated runs are lined up for combining. */
import type { ComponentResult } from './components';
import type { BenchEnvironment } from './environment';
import type { FreshnessResult } from './freshness';
import type { LatencyResult } from './latency';
import type { NaiveResult } from './naive';
import type { OfflineResult } from './offline';
import type { QualityResult } from './quality';
import type { StageTiming } from './stage-timer';

/** Everything one repetition measured (absent sections were not run or failed). */
export interface RunResult {
  quality?: QualityResult;
  qualityWithoutItems?: QualityResult;
  offline?: OfflineResult | { skipped: string };
  /** Served metrics relative to offline ((served − offline) / offline); flagged when nDCG loses > 1%. */
  servedVsOffline?: { ndcgGap: number; precisionGap: number; flagged: boolean };
  freshness?: FreshnessResult;
  latency?: LatencyResult;
  naive?: { catalogue: NaiveResult; generated100k: NaiveResult };
  components?: Record<string, ComponentResult>;
}

/** A measurement that threw, recorded instead of aborting the other measurements. */
export interface SectionError {
  section: string;
  run: number;
  message: string;
}

/** The results file (`bench/results/latest.json` or `quick.json`). */
export interface BenchResults {
  schema: 1;
  mode: 'quick' | 'full';
  environment: BenchEnvironment;
  options: Record<string, unknown>;
  data: {
    quality: string;
    qualityFiles: { train: string; test: string } | null;
    replay: string;
    note: string | null;
  };
  published: { ndcg: Record<string, number> };
  /** Every number of the runs as a figure (median, min, max, IQR, runs). */
  figures: unknown;
  runs: RunResult[];
  errors: SectionError[];
  /** Wall-clock time of each stage of the run, in the order they ended (where the time went). */
  stages?: StageTiming[];
  /** Set while a run is still going (the file is rewritten after every section). */
  partial?: boolean;
}

/**
 * The shape that is combined over runs: list-valued results become objects keyed by what
 * identifies an entry (a load run by target and concurrency or rate), so that the same entry of every run
 * is combined into one figure.
 */
export function toFigureTree(run: RunResult): unknown {
  const copy = JSON.parse(JSON.stringify(run)) as Record<string, unknown>;
  const latency = copy.latency as
    { runs?: { target: string; connections: number; rate?: number }[] } | undefined;
  if (latency?.runs) {
    // An open-loop run is keyed by its rate (`cache-hit@200/s`): its connections vary.
    (latency as Record<string, unknown>).runs = Object.fromEntries(
      latency.runs.map((r) => [
        `${r.target}@${r.rate === undefined ? r.connections : `${r.rate}/s`}`,
        r,
      ]),
    );
  }
  return copy;
}
