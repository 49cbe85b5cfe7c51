/**
 * `npm run import -- --format movielens|ratings-csv|csv|jsonl --file <path> [--items <file>]`:
 * appends a file of events to the event log (1,000 entries per request, several requests in
 * flight) and, with `--items`, puts items into the catalogue: `u.item` / `movies.dat` /
 * `movies.csv` (categories from genres) or JSON lines of `POST /v1/items` bodies. The next batch
 * run trains on them. Settings (UPSTASH_REDIS_REST_URL/TOKEN) come from the environment or `.dev.vars`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UpstashCatalogue } from '../shared/adapters/upstash-catalogue';
import { UpstashEventLog } from '../shared/adapters/upstash-event-log';
import { createRedisClient } from '../shared/adapters/upstash-redis-client';
import type { Item } from '../shared/domain/items';
import { loadSettings } from './env-file';
import { genericCsv } from './import/generic-csv';
import { importEventFile } from './import/import-events';
import { parseItemLines } from './import/item-lines';
import { jsonLines } from './import/jsonl';
import type { EventFormat } from './import/line-parser';
import { movieLensRatings, parseMovieLensItems } from './import/movielens';
import { parseMoviesCsv, ratingsCsv } from './import/ratings-csv';
import { createProgressBar } from './progress-bar';

const FORMATS = ['movielens', 'ratings-csv', 'csv', 'jsonl'] as const;
type Format = (typeof FORMATS)[number];

/** `fileKey`: ids of events with neither id nor time come from it and their line number. */
function eventFormat(format: Format, now: number, fileKey: string): EventFormat {
  switch (format) {
    case 'movielens':
      return movieLensRatings;
    case 'ratings-csv':
      return ratingsCsv;
    case 'csv':
      return genericCsv(now, fileKey);
    case 'jsonl':
      return jsonLines(now, fileKey);
  }
}

function readItems(path: string, now: number): Item[] {
  // MovieLens 100K's u.item is Latin-1; the files of later releases are UTF-8.
  const text = readFileSync(path, /u\.item$/.test(path) ? 'latin1' : 'utf8');
  if (path.endsWith('.jsonl')) {
    const { items, problems } = parseItemLines(text.split('\n'), now);
    for (const p of problems) process.stderr.write(`${path} line ${p.line}: ${p.reason}\n`);
    return items;
  }
  return path.endsWith('.csv') ? parseMoviesCsv(text, now) : parseMovieLensItems(text, now);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      format: { type: 'string' },
      file: { type: 'string' },
      items: { type: 'string' },
    },
    strict: true,
  });
  const format = values.format as Format | undefined;
  if (!format || !FORMATS.includes(format) || !values.file) {
    process.stderr.write(
      `usage: npm run import -- --format ${FORMATS.join('|')} --file <path> [--items <u.item|movies.dat|movies.csv|items.jsonl>]\n`,
    );
    return 2;
  }
  const { vars } = loadSettings(process.cwd());
  const url = vars.UPSTASH_REDIS_REST_URL;
  const token = vars.UPSTASH_REDIS_REST_TOKEN;
  if (typeof url !== 'string' || typeof token !== 'string') {
    throw new Error(
      'UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set (environment or .dev.vars)',
    );
  }
  const redis = createRedisClient({ url, token });
  const now = Date.now();

  let items = 0;
  if (values.items) {
    const parsed = readItems(values.items, now);
    await new UpstashCatalogue(redis).put(parsed);
    items = parsed.length;
    process.stderr.write(`catalogue: ${items} items from ${values.items}\n`);
  }

  const bar = createProgressBar();
  const report = await importEventFile(
    new UpstashEventLog(redis),
    // The file's absolute path: importing the same file again repeats the ids of its lines.
    eventFormat(format, now, `import:${resolve(values.file)}`),
    values.file,
    { onProgress: (done, total) => bar.update('import (bytes)', done, total) },
  );
  bar.finish();
  for (const p of report.problems) process.stderr.write(`line ${p.line}: ${p.reason}\n`);
  const seconds = report.ms / 1000;
  process.stdout.write(
    `${JSON.stringify({
      format,
      file: values.file,
      events: report.events,
      skipped: report.skipped,
      items,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round(report.events / seconds),
    })}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`import: ${(error as Error).message ?? String(error)}\n`);
    process.exit(1);
  },
);
