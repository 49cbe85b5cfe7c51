/**
 * Writes a seeded synthetic data set (the demo generator of local/demo at any size) as JSON lines
 * that `npm run import` reads: `events.jsonl` (API event bodies) and `items.jsonl` (item bodies).
 *
 *   npx tsx batch/generate-events.ts --events 1000000 [--users N] [--items N] [--seed 1] --out <dir>
 *   npm run import -- --format jsonl --file <dir>/events.jsonl --items <dir>/items.jsonl
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDemo, type DemoData, type DemoOptions } from '../local/demo/generate';

/** Default shape of a generated set: 50 events per user, 200 per item (about 1% density at 1M). */
export function generatedShape(events: number, seed = 1): DemoOptions {
  return {
    seed,
    events,
    users: Math.max(10, Math.round(events / 50)),
    items: Math.max(10, Math.round(events / 200)),
  };
}

async function writeLines(path: string, rows: Iterable<unknown>): Promise<void> {
  const out = createWriteStream(path);
  for (const row of rows) {
    if (!out.write(`${JSON.stringify(row)}\n`)) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000000' },
      users: { type: 'string' },
      items: { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (!values.out) throw new Error('--out <dir> is required');
  const shape = generatedShape(Number(values.events), Number(values.seed));
  if (values.users) shape.users = Number(values.users);
  if (values.items) shape.items = Number(values.items);
  const started = performance.now();
  const data: DemoData = generateDemo(shape);
  mkdirSync(values.out, { recursive: true });
  await writeLines(join(values.out, 'events.jsonl'), data.events);
  await writeLines(join(values.out, 'items.jsonl'), data.items);
  process.stdout.write(
    `${JSON.stringify({ ...shape, out: values.out, ms: Math.round(performance.now() - started) })}\n`,
  );
}

// Runs only as a script, so that `generatedShape` can be imported.
if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`generate-events: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
