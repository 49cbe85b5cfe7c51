/**
 * MovieLens "latest" CSV files: `ratings.csv` (`userId,movieId,rating,timestamp`, seconds) and
 * `movies.csv` (`movieId,title,genres` with `|`-separated genres, titles quoted when they hold commas).
 */
import type { Item } from '../../shared/domain/items';
import { csvFields } from './csv-fields';
import type { EventFormat } from './line-parser';
import { item } from './movielens';
import { derivedEventId } from '../../shared/domain/event-ids';

export const ratingsCsv: EventFormat = {
  hasHeader: true,
  begin: (header) => {
    const columns = csvFields(header ?? '').map((c) => c.trim().toLowerCase());
    const at = (name: string) => columns.indexOf(name);
    const [u, i, r, t] = [
      at('userid'),
      at('movieid') >= 0 ? at('movieid') : at('itemid'),
      at('rating'),
      at('timestamp'),
    ];
    if (u < 0 || i < 0 || r < 0 || t < 0) {
      throw new Error(
        'ratings CSV needs the columns userId, movieId (or itemId), rating, timestamp',
      );
    }
    return (line) => {
      const f = csvFields(line);
      const user = f[u]?.trim();
      const itemId = f[i]?.trim();
      const value = Number(f[r]);
      const seconds = Number(f[t]);
      if (!user || !itemId) return { skip: 'missing user or item' };
      if (!Number.isFinite(value) || !Number.isFinite(seconds))
        return { skip: 'rating or time is not a number' };
      const timestamp = Math.round(seconds * 1000);
      return {
        event: {
          id: derivedEventId({ userId: user, itemId, type: 'rating', timestamp }),
          userId: user,
          itemId,
          type: 'rating',
          value,
          timestamp,
        },
      };
    };
  },
};

/** Items of `movies.csv`; `createdAt` is the year in the title, else `fallbackTime`. */
export function parseMoviesCsv(text: string, fallbackTime: number): Item[] {
  const lines = text.split(/\r?\n/);
  const header = csvFields(lines[0] ?? '').map((c) => c.trim().toLowerCase());
  const [idAt, titleAt, genresAt] = [
    header.indexOf('movieid'),
    header.indexOf('title'),
    header.indexOf('genres'),
  ];
  if (idAt < 0) throw new Error('movies CSV needs a movieId column');
  const items: Item[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const f = csvFields(line);
    const id = f[idAt]?.trim();
    if (!id) continue;
    const title = titleAt >= 0 ? (f[titleAt] ?? '') : '';
    const genres =
      genresAt >= 0
        ? (f[genresAt] ?? '').split('|').filter((g) => g && g !== '(no genres listed)')
        : [];
    const year = /\((\d{4})\)\s*$/.exec(title.trim());
    items.push(item(id, title, genres, year ? Date.UTC(Number(year[1]), 0, 1) : fallbackTime));
  }
  return items;
}
