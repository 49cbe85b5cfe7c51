/**
 * Latency and throughput under load: autocannon, in this process, at several concurrency levels,
 * against the recommendation endpoint per path (cache hit, ANN fallback, cold user) and against
 * `POST /v1/events`; with the round trips to KV, Redis and the vector server per answer.
 */
import autocannon, { type AutocannonRequest } from 'autocannon';
import type { BenchApi, BenchKeys } from './api-client';
import { chunk, mapConcurrent } from './pool';
import { aggregateRoundTrips, roundTripsFromHeaders, type RoundTrips } from './round-trips';
import { parseServerTiming } from './server-timing';
import { summariseSample, type SampleSummary } from './stats';
import { untimed, type TimeStage } from './stage-timer';

/** What one load run measured. */
export interface LoadRun {
  target: string;
  connections: number;
  durationSec: number;
  requests: number;
  reqPerSec: number;
  /** Client latency of the 2xx answers in ms (hrtime per response, not whole milliseconds). */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Events per second for the event targets (requests × events per request). */
  eventsPerSec?: number;
  roundTrips: { measured: number; mean: RoundTrips; max: RoundTrips } | null;
  /**
   * The handler's own time (the `total` metric of `Server-Timing`, whole ms in workerd) over the
   * answers that carry it: the client's time minus this is the runtime, the dev server and the
   * network in front of the handler. Null when the path does not report it.
   */
  handlerMs: SampleSummary | null;
  /** Share of answers that carried at least one item from each source (recommendation targets). */
  sourceShare?: Record<string, number>;
  /**
   * Share of the answers (of those timed) for which the isolate already knew the user's top-N list
   * (or that there is none) from an earlier request, so that they read no KV (`memory` metric).
   */
  knownTopNShare?: number;
}

export interface LatencyOptions {
  concurrencies: number[];
  durationSec: number;
  warmupSec: number;
  k: number;
  /** Users the batch knows (their top-N is cached). */
  knownUsers: string[];
  /** Item ids to use in generated events. */
  itemIds: string[];
  /** How many users with only real-time history to create for the ANN path. */
  annUsers: number;
  /** Times the stages (ANN users, load runs). */
  time?: TimeStage;
  /**
   * The same API served by plain workerd without `wrangler dev` (bench/direct-api.ts): every
   * target is also run against it, named `workerd/<target>`.
   */
  direct?: { url: string; headers: Record<string, string> };
}

export interface LatencyResult {
  runs: LoadRun[];
  /** How the ANN target's users were made, and whether their answers came from ANN. */
  annSetup: AnnSetup;
}

type Target = {
  name: string;
  eventsPerRequest?: number;
  request: (auth: Record<string, string>) => AutocannonRequest;
};

/** Runs every target at every concurrency level; results are in (concurrency, target) order. */
export async function measureLatency(
  api: BenchApi,
  keys: BenchKeys,
  options: LatencyOptions,
): Promise<LatencyResult> {
  const { reserved, cacheUsers } = splitKnownUsers(options.knownUsers);
  const time = options.time ?? untimed;
  const annSetup = await time('latency: ANN users', () => prepareAnnUsers(api, options, reserved));
  const k = options.k;
  let counter = 0;
  const next = () => counter++;
  const pick = <T>(list: readonly T[]) => list[next() % list.length] as T;
  const recPath = (u: string) => `/v1/users/${encodeURIComponent(u)}/recommendations?k=${k}`;
  const runTag = Date.now().toString(36);
  const targets: Target[] = [
    {
      name: 'cache-hit',
      request: () => ({
        method: 'GET',
        setupRequest: (r) => ({ ...r, path: recPath(pick(cacheUsers)) }),
      }),
    },
    {
      name: 'ann-fallback',
      request: () => ({
        method: 'GET',
        setupRequest: (r) => ({ ...r, path: recPath(pick(annSetup.userIds)) }),
      }),
    },
    {
      name: 'cold-user',
      request: () => ({
        method: 'GET',
        setupRequest: (r) => ({ ...r, path: recPath(`cold-${runTag}-${next()}`) }),
      }),
    },
    {
      // POST /v1/users/{id}/rank: a known user's ranking of 100 catalogue items (a page of search
      // results), a different page per request.
      name: 'rank-100',
      request: () => ({
        method: 'POST',
        setupRequest: (r) => {
          const ids = options.itemIds;
          const start = (next() * 101) % ids.length;
          const items = Array.from(
            { length: Math.min(100, ids.length) },
            (_, j) => ids[(start + j) % ids.length] as string,
          );
          const user = encodeURIComponent(pick(cacheUsers));
          return {
            ...r,
            path: `/v1/users/${user}/rank`,
            body: JSON.stringify({ items }),
          };
        },
      }),
    },
    {
      name: 'events-1',
      eventsPerRequest: 1,
      request: () => ({
        method: 'POST',
        path: '/v1/events',
        setupRequest: (r) => ({
          ...r,
          body: JSON.stringify({ events: [loadEvent(runTag, next(), options.itemIds)] }),
        }),
      }),
    },
    {
      name: 'events-100',
      eventsPerRequest: 100,
      request: () => ({
        method: 'POST',
        path: '/v1/events',
        setupRequest: (r) => ({
          ...r,
          body: JSON.stringify({
            events: Array.from({ length: 100 }, () => loadEvent(runTag, next(), options.itemIds)),
          }),
        }),
      }),
    },
  ];
  const runs: LoadRun[] = [];
  const runtimes = [{ prefix: '', url: api.baseUrl, headers: {} as Record<string, string> }];
  if (options.direct !== undefined) runtimes.push({ prefix: 'workerd/', ...options.direct });
  await time('latency: load runs', async () => {
    // One request per target and runtime first: a fresh isolate loads the model and the scripts
    // on its first requests, which would otherwise land in the first (shortest) run.
    for (const { url, headers } of runtimes) {
      await expectEdgeLocation(url, keys, headers);
      for (const target of targets) await warm(url, target, keys, headers);
    }
    for (const connections of options.concurrencies) {
      for (const target of targets) {
        for (const { prefix, url, headers } of runtimes) {
          const named = { ...target, name: prefix + target.name };
          const auth = { ...headersFor(target, keys), ...headers };
          if (options.warmupSec > 0) await load(url, named, auth, connections, options.warmupSec);
          runs.push(await load(url, named, auth, connections, options.durationSec));
        }
      }
    }
  });
  const { userIds: _ids, ...setup } = annSetup;
  return { runs, annSetup: setup };
}

/**
 * The known users of the cache-hit target, and the third kept out of it in case the ANN target
 * needs users the batch knows (their fresh events would turn their answers into ANN ones).
 */
export function splitKnownUsers(knownUsers: readonly string[]): {
  reserved: string[];
  cacheUsers: string[];
} {
  const reserved = knownUsers.slice(0, Math.floor(knownUsers.length / 3));
  return { reserved, cacheUsers: knownUsers.slice(reserved.length) };
}

/** Request headers of a target: the write key for the event targets, else the read key. */
function headersFor(target: Target, keys: BenchKeys): Record<string, string> {
  const key = target.name.startsWith('events') ? keys.write : keys.read;
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
}

/**
 * Checks that the runtime gives the worker its `request.cf` (trending by edge location answers
 * for a colo): answers would otherwise skip the per-location reads a deployed Worker makes.
 */
async function expectEdgeLocation(
  baseUrl: string,
  keys: BenchKeys,
  extra: Record<string, string>,
): Promise<void> {
  const res = await fetch(`${baseUrl}/v1/trending?k=1&scope=colo`, {
    headers: { authorization: `Bearer ${keys.read}`, ...extra },
  });
  const scope = ((await res.json()) as { scope?: string }).scope;
  if (!scope?.startsWith('colo:')) {
    throw new Error(`${baseUrl} gives the worker no request.cf (trending scope ${scope})`);
  }
}

/** Sends one request of `target` (not measured). */
async function warm(
  baseUrl: string,
  target: Target,
  keys: BenchKeys,
  extra: Record<string, string>,
): Promise<void> {
  const headers = { ...headersFor(target, keys), ...extra };
  const base = target.request(headers);
  const r = base.setupRequest ? base.setupRequest(base, {}) : base;
  const res = await fetch(baseUrl + (r.path ?? '/'), {
    method: r.method ?? 'GET',
    headers,
    ...(r.body === undefined ? {} : { body: r.body }),
  });
  await res.arrayBuffer();
}

/** One event of the load test: new users (`load-…`) so that the measured users' state is untouched. */
function loadEvent(tag: string, n: number, itemIds: readonly string[]) {
  return {
    id: `load-${tag}-${n}`,
    userId: `load-${tag}-${n % 500}`,
    itemId: itemIds[(n * 7919) % itemIds.length] as string,
    type: 'view',
  };
}

async function load(
  baseUrl: string,
  target: Target,
  headers: Record<string, string>,
  connections: number,
  durationSec: number,
): Promise<LoadRun> {
  const roundTrips: (RoundTrips | null)[] = [];
  const handlerMs: number[] = [];
  let knownTopN = 0;
  const sources: Record<string, number> = {};
  let answers = 0;
  const base = target.request(headers);
  const request: AutocannonRequest = {
    ...base,
    headers,
    onResponse: (status, body, _context, responseHeaders) => {
      if (roundTrips.length < 5000) {
        // autocannon keeps the server's header-name case; HTTP header names are case-insensitive.
        const lower = new Map(
          Object.entries(responseHeaders).map(([k, v]) => [
            k.toLowerCase(),
            Array.isArray(v) ? v.join(', ') : v,
          ]),
        );
        roundTrips.push(roundTripsFromHeaders((name) => lower.get(name.toLowerCase())));
        const timing = parseServerTiming(lower.get('server-timing'));
        const total = timing.find((m) => m.name === 'total');
        if (total?.dur !== undefined) handlerMs.push(total.dur);
        if (timing.some((m) => m.name === 'memory' && m.desc?.startsWith('topn'))) knownTopN += 1;
      }
      if (target.eventsPerRequest === undefined && status === 200 && answers < 2000) {
        answers += 1;
        try {
          const parsed = JSON.parse(body) as { items?: { sources?: string[] }[] };
          const seen = new Set((parsed.items ?? []).flatMap((i) => i.sources ?? []));
          for (const s of seen) sources[s] = (sources[s] ?? 0) + 1;
        } catch {
          // A non-JSON 200 is counted as an answer without sources.
        }
      }
    },
  };
  // autocannon's own histogram keeps whole milliseconds (truncated): 9.9 ms counts as 9. Its
  // per-response event carries the hrtime measurement, so the percentiles come from that.
  const clientMs: number[] = [];
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: durationSec,
    timeout: 30,
    requests: [request],
  }).on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) clientMs.push(responseTime);
  });
  const total = result['2xx'] + result.non2xx;
  const reqPerSec = total / Math.max(result.duration, 1e-9);
  const latency = clientMs.length > 0 ? summariseSample(clientMs) : result.latency;
  const run: LoadRun = {
    target: target.name,
    connections,
    durationSec: result.duration,
    requests: total,
    reqPerSec,
    p50: latency.p50,
    p90: latency.p90,
    p99: latency.p99,
    max: latency.max,
    mean: latency.mean,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    roundTrips: aggregateRoundTrips(roundTrips),
    handlerMs: handlerMs.length > 0 ? summariseSample(handlerMs) : null,
  };
  if (target.eventsPerRequest !== undefined) run.eventsPerSec = reqPerSec * target.eventsPerRequest;
  else {
    run.sourceShare = Object.fromEntries(
      Object.entries(sources).map(([s, n]) => [s, n / Math.max(1, answers)]),
    );
    run.knownTopNShare = knownTopN / Math.max(1, roundTrips.length);
  }
  return run;
}

/**
 * Five-star ratings that give each of `userIds` an on-line vector (`eventsPerUser` items each,
 * spread over `itemIds`), with event ids unique to `tag`.
 */
export function annUserEvents(
  tag: string,
  userIds: readonly string[],
  eventsPerUser: number,
  itemIds: readonly string[],
) {
  return userIds.flatMap((userId, u) =>
    Array.from({ length: eventsPerUser }, (_, e) => ({
      id: `ann-${tag}-${userId}-${e}`,
      userId,
      itemId: itemIds[(u * 31 + e * 17) % itemIds.length] as string,
      type: 'rating' as const,
      value: 5,
    })),
  );
}

/** Which users the ANN target uses, and how well they hit the ANN path. */
export interface AnnSetup {
  /** `new-users`: ids the batch never saw, with real-time events only; `known-users-online`: users
   * the batch knows whose vector moved on-line with fresh events (the API's other ANN trigger). */
  kind: 'new-users' | 'known-users-online';
  users: number;
  eventsPerUser: number;
  /** Sampled answers that made a vector query (round-trip header) or carried an `ann` item. */
  answersWithAnn: number;
  checked: number;
  /** The same check for the new-user kind when it was tried and found not to reach ANN. */
  newUsersTried?: { answersWithAnn: number; checked: number };
}

/**
 * Users for the ANN target. First users the batch never saw, with a few real-time events each (no
 * cached list: the API must search around their folded-in vector). If their answers do not reach
 * the vector index (the API may not fold in users without a batch vector), users the batch knows
 * get fresh events instead: a user whose vector moved on-line is the API's other ANN trigger.
 * `reserved` are known users kept out of the cache-hit target for this.
 */
async function prepareAnnUsers(
  api: BenchApi,
  options: LatencyOptions,
  reserved: readonly string[],
): Promise<AnnSetup & { userIds: string[] }> {
  const tag = Date.now().toString(36);
  const post = async (userIds: readonly string[], eventsPerUser: number) => {
    const events = annUserEvents(tag, userIds, eventsPerUser, options.itemIds);
    await mapConcurrent(chunk(events, 250), 2, (batch) => api.postEvents(batch));
  };
  const check = async (userIds: readonly string[]) => {
    const sample = userIds.slice(0, Math.min(20, userIds.length));
    const answers = await mapConcurrent(sample, 4, (u) => api.recommendations(u, options.k));
    const answersWithAnn = answers.filter(
      (a) =>
        (roundTripsFromHeaders((h) => a.headers.get(h))?.vector ?? 0) > 0 ||
        a.items.some((i) => i.sources.includes('ann')),
    ).length;
    return { answersWithAnn, checked: sample.length };
  };
  const newUsers = Array.from({ length: options.annUsers }, (_, u) => `ann-${tag}-${u}`);
  await post(newUsers, 5);
  const newCheck = await check(newUsers);
  if (newCheck.answersWithAnn * 2 >= newCheck.checked || reserved.length === 0) {
    return {
      kind: 'new-users',
      users: newUsers.length,
      eventsPerUser: 5,
      ...newCheck,
      userIds: newUsers,
    };
  }
  await post(reserved, 2);
  const knownCheck = await check(reserved);
  return {
    kind: 'known-users-online',
    users: reserved.length,
    eventsPerUser: 2,
    ...knownCheck,
    newUsersTried: newCheck,
    userIds: [...reserved],
  };
}
