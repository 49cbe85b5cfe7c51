/** Reads rating files for offline evaluation: MovieLens TSV (user, item, rating, time) or CSV with a header. */

/** Parallel columns of a ratings file; `timestamps` in ms. */
export interface RatingColumns {
  users: string[];
  items: string[];
  ratings: number[];
  timestamps: number[];
}

/**
 * Parses `text`: tab- or comma-separated (detected from the first line), optional header
 * (a first line whose rating field is not a number), columns user, item, rating, unix seconds.
 */
export function parseRatings(text: string, source: string): RatingColumns {
  const out: RatingColumns = { users: [], items: [], ratings: [], timestamps: [] };
  const lines = text.split(/\r?\n/);
  const first = lines[0] ?? '';
  const sep = first.includes('\t') ? '\t' : first.includes(',') ? ',' : /\s+/;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '') continue;
    const f = line.split(sep);
    const rating = Number(f[2]);
    if (n === 0 && !Number.isFinite(rating)) continue;
    if (f.length < 3 || !Number.isFinite(rating)) {
      throw new Error(
        `${source}:${n + 1}: expected user, item, rating[, unix time], got "${line}"`,
      );
    }
    const seconds = f.length > 3 ? Number(f[3]) : 0;
    out.users.push(f[0]!);
    out.items.push(f[1]!);
    out.ratings.push(rating);
    out.timestamps.push(Number.isFinite(seconds) ? seconds * 1000 : 0);
  }
  return out;
}
