import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateOffline } from '../../../batch/evaluate/offline-evaluation';
import { parseRatings } from '../../../batch/evaluate/read-ratings';
import { DEFAULT_TRAIN_CONFIG } from '../../../shared/training/index';

// MovieLens lives beside the repository (../shared/data from the repo root), never inside it.
const SPLIT = fileURLToPath(
  new URL('../../../../shared/data/ml-100k/splits/ms-item-stratified-75-seed42/', import.meta.url),
);
const available = existsSync(`${SPLIT}train.tsv`) && existsSync(`${SPLIT}test.tsv`);
const title = available
  ? 'reaches nDCG@10 ≥ 0.48 on the Microsoft Recommenders ml-100k split'
  : `SKIPPED: MovieLens split not found at ${SPLIT} (place ml-100k under ../shared/data)`;

describe('offline evaluation on ml-100k', () => {
  it.skipIf(!available)(
    title,
    () => {
      const read = (f: string) => parseRatings(readFileSync(`${SPLIT}${f}`, 'utf8'), f);
      // Tuning off keeps the run short: the fixed starting points are what tuning selects here.
      const result = evaluateOffline(read('train.tsv'), read('test.tsv'), {
        ...DEFAULT_TRAIN_CONFIG,
        tune: 'off',
      });
      expect(result.metrics.users).toBe(943);
      expect(result.metrics.ndcg).toBeGreaterThanOrEqual(0.48);
      expect(result.metrics.precision).toBeGreaterThan(0.4);
      expect(result.metrics.map).toBeGreaterThan(0.3);
      // Every recommended item is new to its user.
      const train = read('train.tsv');
      const seen = new Set(train.users.map((u, r) => `${u}\t${train.items[r]}`));
      for (const [user, list] of result.ranked) {
        expect(list).toHaveLength(10);
        for (const s of list) expect(seen.has(`${user}\t${s.itemId}`)).toBe(false);
      }
    },
    120_000,
  );
});
