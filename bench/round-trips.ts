/**
 * Round trips to KV, Redis and the vector server of one answer, read from the response headers the
 * API worker sets: a `Server-Timing` metric per store access (`kv`, `redis`, `vector`; several
 * accesses may repeat the name, or carry the count in `desc`; the vector query is named `ann`), or
 * an explicit round-trip header.
 */
import { parseServerTiming } from './server-timing';

export interface RoundTrips {
  kv: number;
  redis: number;
  vector: number;
}

/** Header names of an explicit count, e.g. `kv=1, redis=1, vector=0`. */
export const ROUND_TRIP_HEADERS = [
  'x-edgerec-round-trips',
  'x-edgerec-roundtrips',
  'x-round-trips',
];

const STORES: (keyof RoundTrips)[] = ['kv', 'redis', 'vector'];

/** Which store a Server-Timing metric name is an access to, if any. */
function storeOf(name: string): keyof RoundTrips | null {
  const n = name.toLowerCase();
  if (n === 'kv' || n.startsWith('kv-') || n.startsWith('kv.') || n.startsWith('kv_')) return 'kv';
  if (n === 'redis' || /^redis[-._]/.test(n)) return 'redis';
  // The API worker names its vector query after the source it feeds: `ann`.
  if (n === 'vector' || n === 'ann' || /^(vector|ann)[-._]/.test(n)) return 'vector';
  return null;
}

/**
 * Counts round trips from headers (a header lookup function, so that both `Headers` and plain
 * objects work). Returns null when the API exposes neither form: the benchmark then says "not
 * measured" instead of reporting zeros.
 */
export function roundTripsFromHeaders(
  get: (name: string) => string | null | undefined,
): RoundTrips | null {
  for (const name of ROUND_TRIP_HEADERS) {
    const value = get(name);
    if (!value) continue;
    const out: RoundTrips = { kv: 0, redis: 0, vector: 0 };
    for (const part of value.split(/[,;]/)) {
      const [k, v] = part.split('=').map((s) => s.trim().toLowerCase());
      const n = Number(v);
      if (k && STORES.includes(k as keyof RoundTrips) && Number.isFinite(n))
        out[k as keyof RoundTrips] = n;
    }
    return out;
  }
  const metrics = parseServerTiming(get('server-timing'));
  let found = false;
  const out: RoundTrips = { kv: 0, redis: 0, vector: 0 };
  for (const m of metrics) {
    const store = storeOf(m.name);
    if (!store) continue;
    found = true;
    const counted =
      m.desc !== undefined ? Number(m.desc.match(/(\d+)\s*(round|rt|call|req)/i)?.[1]) : NaN;
    out[store] += Number.isFinite(counted) ? counted : 1;
  }
  return found ? out : null;
}

/** Mean and maximum round trips per request over many answers (null entries are skipped). */
export function aggregateRoundTrips(samples: readonly (RoundTrips | null)[]): {
  measured: number;
  mean: RoundTrips;
  max: RoundTrips;
} | null {
  const got = samples.filter((s): s is RoundTrips => s !== null);
  if (got.length === 0) return null;
  const mean: RoundTrips = { kv: 0, redis: 0, vector: 0 };
  const max: RoundTrips = { kv: 0, redis: 0, vector: 0 };
  for (const s of got) {
    for (const k of STORES) {
      mean[k] += s[k] / got.length;
      max[k] = Math.max(max[k], s[k]);
    }
  }
  return { measured: got.length, mean, max };
}
