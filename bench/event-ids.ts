/**
 * `npx tsx bench/event-ids.ts [events, default 1000000] [rounds, default 3]`: what de-duplicating
 * events by id costs — deriving ids of events sent without one (`shared/domain/event-ids.ts`,
 * SHA-256) and the snapshot's table of ids read (`SeenIds`, batch/stages/snapshot.ts) — per run of
 * generated events shaped like the batch benchmark's (20,000 users, 4,885 items).
 */
import { SeenIds } from '../batch/stages/snapshot';
import { derivedEventId } from '../shared/domain/event-ids';

const n = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
const event = (k: number) => ({
  userId: `u${k % 20_000}`,
  itemId: `i${k % 4_885}`,
  type: 'view',
  timestamp: 1.7e12 + k,
});

for (let round = 1; round <= rounds; round++) {
  let t0 = performance.now();
  const ids = Array.from({ length: n }, (_, k) => derivedEventId(event(k)));
  const deriveMs = performance.now() - t0;
  t0 = performance.now();
  const seen = new SeenIds();
  let repeated = 0;
  for (const id of ids) if (!seen.add(id)) repeated++;
  // A tenth of the log read again (a file imported twice, say).
  for (let k = 0; k < n; k += 10) if (!seen.add(ids[k]!)) repeated++;
  const seenMs = performance.now() - t0;
  console.log(
    `round ${round}: ${n} ids derived in ${deriveMs.toFixed(0)} ms; ` +
      `${n + Math.ceil(n / 10)} ids looked up in ${seenMs.toFixed(0)} ms, ${repeated} found ` +
      `again; table ${(seen.bytes() / 2 ** 20).toFixed(1)} MiB`,
  );
}
