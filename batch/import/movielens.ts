/**
 * MovieLens files: ratings as `u.data` (tab-separated `user item rating unix-seconds`, ML-100K) or
 * `ratings.dat` (`::`-separated, ML-1M); items as `u.item` (`|`-separated, 19 genre flags,
 * Latin-1) or `movies.dat` (`id::title::Genre|Genre`). Every rating becomes a `rating` event.
 */
import type { Item } from '../../shared/domain/items';
import type { EventFormat } from './line-parser';
import { derivedEventId } from '../../shared/domain/event-ids';

/** The genre columns of `u.item`, in file order (ML-100K's u.genre). */
export const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const;

/** A genre as a category id: lower case, words joined by `-` (`Sci-Fi` → `sci-fi`, `Children's` → `childrens`). */
export function genreCategory(genre: string): string {
  return genre
    .trim()
    .toLowerCase()
    .replace(/'/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Ratings of `u.data` or `ratings.dat`. */
export const movieLensRatings: EventFormat = {
  hasHeader: false,
  begin: () => (line) => {
    const fields = line.includes('::') ? line.split('::') : line.trim().split(/\s+/);
    if (fields.length < 4) return { skip: 'expected user, item, rating and time' };
    const [user, item, rating, seconds] = fields as [string, string, string, string];
    const value = Number(rating);
    const time = Number(seconds);
    if (!user || !item || !Number.isFinite(value) || !Number.isInteger(time)) {
      return { skip: 'rating or time is not a number' };
    }
    const timestamp = time * 1000;
    return {
      event: {
        id: derivedEventId({ userId: user, itemId: item, type: 'rating', timestamp }),
        userId: user,
        itemId: item,
        type: 'rating',
        value,
        timestamp,
      },
    };
  },
};

/** `01-Jan-1995` → ms since epoch, or null. */
function releaseDate(text: string): number | null {
  const match = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text.trim());
  if (!match) return null;
  const months = [
    'jan',
    'feb',
    'mar',
    'apr',
    'may',
    'jun',
    'jul',
    'aug',
    'sep',
    'oct',
    'nov',
    'dec',
  ];
  const month = months.indexOf(match[2]!.toLowerCase());
  if (month < 0) return null;
  return Date.UTC(Number(match[3]), month, Number(match[1]));
}

/** Year in a title such as `Toy Story (1995)` → 1 January of that year, or null. */
function titleYear(title: string): number | null {
  const match = /\((\d{4})\)\s*$/.exec(title.trim());
  return match ? Date.UTC(Number(match[1]), 0, 1) : null;
}

/**
 * Items of `u.item` or `movies.dat`. Categories come from the genres; `createdAt` is the release
 * date (or the title's year), else `fallbackTime`.
 */
export function parseMovieLensItems(text: string, fallbackTime: number): Item[] {
  const items: Item[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    if (raw.includes('::')) {
      const [id, title = '', genres = ''] = raw.split('::');
      if (!id) continue;
      items.push(
        item(
          id,
          title,
          genres.split('|').filter((g) => g && g !== '(no genres listed)'),
          titleYear(title) ?? fallbackTime,
        ),
      );
      continue;
    }
    const f = raw.split('|');
    if (f.length < 5 + ML100K_GENRES.length || !f[0]) continue;
    const flags = f.slice(f.length - ML100K_GENRES.length);
    const genres = ML100K_GENRES.filter((_, g) => flags[g] === '1');
    items.push(
      item(
        f[0],
        f[1] ?? '',
        genres,
        releaseDate(f[2] ?? '') ?? titleYear(f[1] ?? '') ?? fallbackTime,
      ),
    );
  }
  return items;
}

/** An `Item` with the defaults of the catalogue. */
export function item(
  itemId: string,
  title: string,
  genres: readonly string[],
  createdAt: number,
): Item {
  return {
    itemId,
    title: title.slice(0, 500),
    categories: [
      ...new Set(genres.map(genreCategory).filter((c) => c !== '' && c !== 'unknown')),
    ].slice(0, 32),
    tags: [],
    createdAt,
    hidden: false,
    attributes: {},
    updatedAt: createdAt,
  };
}
