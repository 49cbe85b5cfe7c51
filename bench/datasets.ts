/**
 * The data sets the benchmark imports: MovieLens-100K from ../shared/data (never copied into the
 * repository), or, when it is absent, a seeded generated set with the same shape so that `--quick`
 * still exercises every path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRng } from '../shared/training/random';
import { parseItemGenres, parseRatings, type Rating } from './ratings';

/** Where MovieLens-100K lives, relative to the repository root. */
export const ML100K_DIR = resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'ml-100k');
export const ML100K_SPLIT_DIR = join(ML100K_DIR, 'splits', 'ms-item-stratified-75-seed42');

/** A catalogue entry as the benchmark posts it to `POST /v1/items`. */
export interface CatalogueItem {
  itemId: string;
  title: string;
  categories: string[];
}

/** Ratings plus the catalogue they refer to. */
export interface RatingsDataset {
  name: string;
  /** Files the ratings came from (for `npm run evaluate` and the report), when read from disk. */
  files?: { train: string; test: string };
  train: Rating[];
  test: Rating[];
  items: CatalogueItem[];
}

/** Why MovieLens is not used, or null when it is present. */
export function ml100kMissing(): string | null {
  const need = [
    join(ML100K_SPLIT_DIR, 'train.tsv'),
    join(ML100K_SPLIT_DIR, 'test.tsv'),
    join(ML100K_DIR, 'u.data'),
    join(ML100K_DIR, 'u.item'),
    join(ML100K_DIR, 'u.genre'),
  ];
  const missing = need.filter((p) => !existsSync(p));
  return missing.length === 0 ? null : `MovieLens-100K not found (${missing.join(', ')})`;
}

/** The catalogue of ml-100k with genres as categories (u.item is Latin-1). */
export function loadMl100kItems(): CatalogueItem[] {
  const genres = parseItemGenres(
    readFileSync(join(ML100K_DIR, 'u.item'), 'latin1'),
    readFileSync(join(ML100K_DIR, 'u.genre'), 'latin1'),
  );
  return [...genres].map(([itemId, g]) => ({ itemId, title: g.title, categories: g.categories }));
}

/** The Microsoft Recommenders split of ml-100k (train 75% / test 25% per item). */
export function loadMl100kSplit(): RatingsDataset {
  const train = join(ML100K_SPLIT_DIR, 'train.tsv');
  const test = join(ML100K_SPLIT_DIR, 'test.tsv');
  return {
    name: 'ml-100k ms-item-stratified-75-seed42',
    files: { train, test },
    train: parseRatings(readFileSync(train, 'utf8'), train),
    test: parseRatings(readFileSync(test, 'utf8'), test),
    items: loadMl100kItems(),
  };
}

/** Every ml-100k rating (u.data), for the temporal replay. */
export function loadMl100kAll(): Rating[] {
  const path = join(ML100K_DIR, 'u.data');
  return parseRatings(readFileSync(path, 'utf8'), path);
}

/** Shape of a generated data set. */
export interface GeneratedShape {
  users: number;
  items: number;
  categories: number;
  ratingsPerUser: number;
  seed: number;
}

/** The generated stand-in for MovieLens-100K (same shape by default), when ../shared lacks it. */
export function standInRatings(users = 943, items = 1682): RatingsDataset {
  return generateRatings({ users, items, categories: 18, ratingsPerUser: 80, seed: 42 });
}

/**
 * A seeded synthetic rating set with learnable structure: each user prefers two categories, item
 * popularity follows a Zipf law, and ratings are higher inside the preferred categories. One
 * rating per (user, item); timestamps increase through the set; 25% of each user's ratings go to
 * the test part.
 */
export function generateRatings(shape: GeneratedShape): RatingsDataset {
  const rng = createRng(shape.seed);
  const cats = Array.from({ length: shape.categories }, (_, c) => `cat-${c}`);
  const items: CatalogueItem[] = Array.from({ length: shape.items }, (_, i) => ({
    itemId: `g${i + 1}`,
    title: `Generated item ${i + 1}`,
    categories: [cats[i % shape.categories] as string],
  }));
  // Zipf(1) popularity: cumulative weights for inverse-transform sampling.
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < shape.items; i++) cumulative.push((total += 1 / (i + 1)));
  const drawItem = (): number => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = shape.items - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const train: Rating[] = [];
  const test: Rating[] = [];
  let clock = 880_000_000;
  for (let u = 0; u < shape.users; u++) {
    const liked = new Set([rng.int(shape.categories), rng.int(shape.categories)]);
    const chosen = new Set<number>();
    let attempts = 0;
    while (chosen.size < shape.ratingsPerUser && attempts++ < shape.ratingsPerUser * 50) {
      const i = drawItem();
      // Users mostly consume inside their categories: that is the signal a model must find.
      if (!liked.has(i % shape.categories) && rng.next() < 0.8) continue;
      chosen.add(i);
    }
    const rows = [...chosen].map((i) => {
      clock += 1 + rng.int(600);
      const inside = liked.has(i % shape.categories);
      const rating = Math.min(5, Math.max(1, Math.round((inside ? 4 : 2.5) + rng.normal())));
      return { userId: `u${u + 1}`, itemId: `g${i + 1}`, rating, timestamp: clock };
    });
    rows.forEach((r, index) => ((index % 4 === 3 ? test : train) as Rating[]).push(r));
  }
  return {
    name: `generated ${shape.users} users x ${shape.items} items (seed ${shape.seed})`,
    train,
    test,
    items,
  };
}
