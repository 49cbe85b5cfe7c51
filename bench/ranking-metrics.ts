/**
 * Scores what the API served with the very metric functions the offline evaluation uses
 * (shared/training/metrics.ts, the Microsoft Recommenders definitions), so that online and offline
 * figures differ only by what was served; plus next-item hit rate and MRR for the temporal replay.
 */
import type { RankingMetrics } from '../shared/domain/artefacts';
import { rankingMetrics, type UserRanking } from '../shared/training/metrics';

/**
 * Pairs each test user's relevant set with the list the API served. Users without an answer are
 * left out (the protocol averages over users present in both); a user whose answer is empty still
 * counts and scores 0: the service answered, badly.
 */
export function pairAnswers(
  answers: ReadonlyMap<string, readonly string[]>,
  truth: ReadonlyMap<string, ReadonlySet<string>>,
): UserRanking<string>[] {
  const out: UserRanking<string>[] = [];
  for (const [userId, relevant] of truth) {
    const recommended = answers.get(userId);
    if (recommended === undefined || relevant.size === 0) continue;
    out.push({ recommended, relevant });
  }
  return out;
}

/** Precision, recall, nDCG, MAP at k and coverage of the served answers. */
export function scoreAnswers(
  answers: ReadonlyMap<string, readonly string[]>,
  truth: ReadonlyMap<string, ReadonlySet<string>>,
  k: number,
  catalogueSize: number,
): RankingMetrics {
  return rankingMetrics(pairAnswers(answers, truth), k, catalogueSize);
}

/** Hit rate and mean reciprocal rank of next-item predictions. */
export interface NextItemScores {
  events: number;
  hitRate: number;
  mrr: number;
}

/** Scores next-item outcomes: each rank is the 0-based position in the top-k, or -1 for a miss. */
export function scoreNextItems(ranks: readonly number[]): NextItemScores {
  let hits = 0;
  let rr = 0;
  for (const r of ranks) {
    if (r < 0) continue;
    hits += 1;
    rr += 1 / (r + 1);
  }
  const n = ranks.length;
  return { events: n, hitRate: n === 0 ? 0 : hits / n, mrr: n === 0 ? 0 : rr / n };
}

/** Relative change `(a - b) / b`, or null when the base is 0. */
export function relativeChange(a: number, b: number): number | null {
  return b === 0 ? null : (a - b) / b;
}
