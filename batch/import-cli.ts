/**
 * `npm run import -- --format movielens|ratings-csv|csv|jsonl --file <path> [--items <file>]`:
 * appends a file of events to the event log (1,000 XADDs per request, four requests in flight) and, with `--items`,
 * puts its items into the catalogue (categories from genres). The next batch run trains on them.
 * Settings (UPSTASH_REDIS_REST_URL/TOKEN) come from the environment or `.dev.vars`.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { UpstashCatalogue } from '../shared/adapters/upstash-catalogue';
import { UpstashEventLog } from '../shared/adapters/upstash-event-log';
import { createRedisClient } from '../shared/adapters/upstash-redis-client';
import type { StoredEvent } from '../shared/domain/events';
import type { Item } from '../shared/domain/items';
import { loadSettings } from './env-file';
import { genericCsv } from './import/generic-csv';
import { jsonLines } from './import/jsonl';
import { EventLineReader, type EventFormat } from './import/line-parser';
import { movieLensRatings, parseMovieLensItems } from './import/movielens';
import { parseMoviesCsv, ratingsCsv } from './import/ratings-csv';
import { createProgressBar } from './progress-bar';

const FORMATS = ['movielens', 'ratings-csv', 'csv', 'jsonl'] as const;
type Format = (typeof FORMATS)[number];

/** Events handed to the log per append call (the adapter sends them 1,000 per pipeline). */
const APPEND_BATCH = 10_000;
/** Append calls in flight at once: keeps the REST server and Redis busy while the next lines parse. */
const APPENDS_IN_FLIGHT = Number(process.env.IMPORT_IN_FLIGHT ?? 4);

function eventFormat(format: Format, now: number): EventFormat {
  switch (format) {
    case 'movielens':
      return movieLensRatings;
    case 'ratings-csv':
      return ratingsCsv;
    case 'csv':
      return genericCsv(now);
    case 'jsonl':
      return jsonLines(now);
  }
}

function readItems(path: string, now: number): Item[] {
  // MovieLens 100K's u.item is Latin-1; the CSV and .dat files of later releases are UTF-8.
  const latin1 = /u\.item$/.test(path);
  const text = readFileSync(path, latin1 ? 'latin1' : 'utf8');
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
      `usage: npm run import -- --format ${FORMATS.join('|')} --file <path> [--items <u.item|movies.csv|movies.dat>]\n`,
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
  const log = new UpstashEventLog(redis);
  const now = Date.now();
  const started = performance.now();

  let itemCount = 0;
  if (values.items) {
    const items = readItems(values.items, now);
    await new UpstashCatalogue(redis).put(items);
    itemCount = items.length;
    process.stderr.write(`catalogue: ${items.length} items from ${values.items}\n`);
  }

  const bar = createProgressBar();
  const input = createReadStream(values.file);
  const size = statSync(values.file).size;
  const lines = createInterface({ input, crlfDelay: Infinity });
  const reader = new EventLineReader(eventFormat(format, now));
  let appended = 0;
  let buffer: StoredEvent[] = [];
  const inFlight = new Set<Promise<void>>();
  const flush = async () => {
    const batch = buffer;
    buffer = [];
    const task = log.append(batch).then(() => {
      appended += batch.length;
      bar.update('import (bytes)', input.bytesRead, size);
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= APPENDS_IN_FLIGHT) await Promise.race(inFlight);
  };
  for await (const line of lines) {
    const event = reader.read(line);
    if (!event) continue;
    buffer.push(event);
    if (buffer.length >= APPEND_BATCH) await flush();
  }
  if (buffer.length > 0) await flush();
  await Promise.all(inFlight);
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  for (const p of reader.problems) process.stderr.write(`line ${p.line}: ${p.reason}\n`);
  const summary = {
    format,
    file: values.file,
    events: appended,
    skipped: reader.skipped,
    items: itemCount,
    seconds: Number(seconds.toFixed(2)),
    eventsPerSecond: Math.round(appended / seconds),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`import: ${(error as Error).message ?? String(error)}\n`);
    process.exit(1);
  },
);
