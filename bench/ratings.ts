/** MovieLens-style rating files: parsing `u.data` / split TSVs and `u.item` genres, and slicing. */

/** One rating as MovieLens stores it. */
export interface Rating {
  userId: string;
  itemId: string;
  rating: number;
  /** Unix seconds. */
  timestamp: number;
}

/**
 * Parses `user<TAB>item<TAB>rating<TAB>unix-seconds` lines (u.data and the split TSVs). Blank lines
 * are skipped; anything else malformed throws with its line number, so a damaged file never turns
 * into a silently smaller benchmark.
 */
export function parseRatings(text: string, source = 'ratings'): Rating[] {
  const out: Rating[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const cols = line.split('\t');
    const [userId, itemId, rating, timestamp] = cols;
    const value = Number(rating);
    const ts = Number(timestamp);
    if (
      cols.length !== 4 ||
      !userId ||
      !itemId ||
      !Number.isFinite(value) ||
      !Number.isInteger(ts) ||
      ts < 0
    ) {
      throw new Error(
        `${source}:${index + 1}: expected user, item, rating, unix seconds; got "${line}"`,
      );
    }
    out.push({ userId, itemId, rating: value, timestamp: ts });
  });
  return out;
}

/** Lowercase slug of a MovieLens genre ("Children's" → "childrens", "Sci-Fi" → "sci-fi"). */
export function genreSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '');
}

/**
 * Parses `u.genre` (`name|index`) and `u.item` (`id|title|date|video date|url|19 genre flags`) into
 * a map item id → {title, categories}. The genre "unknown" is dropped: it says nothing about taste.
 */
export function parseItemGenres(
  itemText: string,
  genreText: string,
): Map<string, { title: string; categories: string[] }> {
  const genres: string[] = [];
  for (const line of genreText.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const [name, index] = line.split('|');
    const i = Number(index);
    if (!name || !Number.isInteger(i)) throw new Error(`u.genre: bad line "${line}"`);
    genres[i] = genreSlug(name);
  }
  const out = new Map<string, { title: string; categories: string[] }>();
  itemText.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const cols = line.split('|');
    const flags = cols.slice(5);
    if (cols.length < 5 + genres.length || !cols[0]) {
      throw new Error(
        `u.item:${index + 1}: expected id, title, dates, url and ${genres.length} flags`,
      );
    }
    const categories: string[] = [];
    flags.forEach((flag, g) => {
      const name = genres[g];
      if (flag === '1' && name !== undefined && name !== 'unknown') categories.push(name);
    });
    out.set(cols[0], { title: cols[1] ?? '', categories });
  });
  return out;
}

/** Groups ratings into user → set of item ids (the relevant sets of a test file). */
export function relevantByUser(ratings: readonly Rating[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of ratings) {
    let set = out.get(r.userId);
    if (!set) out.set(r.userId, (set = new Set()));
    set.add(r.itemId);
  }
  return out;
}

/** Keeps the ratings of the first `users` user ids in numeric-then-lexical order. */
export function sliceUsers(ratings: readonly Rating[], users: number): Rating[] {
  const ids = [...new Set(ratings.map((r) => r.userId))].sort(compareIds).slice(0, users);
  const keep = new Set(ids);
  return ratings.filter((r) => keep.has(r.userId));
}

/**
 * Temporal split: sorts by time (ties by user, then item, for determinism) and cuts at `fraction`.
 */
export function temporalSplit(
  ratings: readonly Rating[],
  fraction: number,
): { head: Rating[]; tail: Rating[] } {
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`fraction must be in (0, 1), got ${fraction}`);
  const sorted = [...ratings].sort(
    (a, b) =>
      a.timestamp - b.timestamp || compareIds(a.userId, b.userId) || compareIds(a.itemId, b.itemId),
  );
  const cut = Math.floor(sorted.length * fraction);
  return { head: sorted.slice(0, cut), tail: sorted.slice(cut) };
}

/** Orders ids numerically when both are integers, lexically otherwise. */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Serialises ratings back to the TSV form `parseRatings` reads (for `npm run evaluate`). */
export function formatRatings(ratings: readonly Rating[]): string {
  return ratings.map((r) => `${r.userId}\t${r.itemId}\t${r.rating}\t${r.timestamp}\n`).join('');
}
