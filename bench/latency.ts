/**
 * Latency and throughput under load: autocannon, in this process, at several concurrency levels,
 * against the recommendation endpoint per path (cache hit, ANN fallback, cold user) and against
 * `POST /v1/events`; with the round trips to KV, Redis and the vector server per answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon, { type AutocannonRequest } from 'autocannon';
import type { BenchApi, BenchKeys } from './api-client';
import { chunk, mapConcurrent } from './pool';
import { aggregateRoundTrips, roundTripsFromHeaders, type RoundTrips } from './round-trips';
import { pacedLoad } from './paced';
import { parseServerTiming } from './server-timing';
import { summariseSample, type SampleSummary } from './stats';
import { untimed, type TimeStage } from './stage-timer';

/** What one load run measured. */
export interface LoadRun {
  target: string;
  /** Requests kept in flight; in an open-loop run, the most that were in flight at once. */
  connections: number;
  /** Open-loop runs: the mean arrival rate (requests per second) the generator kept to. */
  rate?: number;
  /** Open-loop runs: p99 of how late the generator sent requests against their schedule (ms). */
  lateP99?: number;
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
  /**
   * Arrival rates (requests per second) of the open-loop runs, after the closed-loop ones; every
   * target but the 100-event batches (whose rate in events would be a hundredfold) at each rate,
   * against plain workerd when `direct` is given (else the stack's `wrangler dev`).
   */
  rates: number[];
  /**
   * An open-loop run lasts long enough to send about this many requests (default 0: just
   * `durationSec`), so that its p99 is not the 3rd slowest of 250 answers at a low rate.
   */
  minPacedRequests?: number;
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

/**
 * Runs every target at every concurrency level, then at every open-loop rate; results are in
 * (concurrency or rate, target) order.
 */
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
    // Open loop against the deploy runtime only: `wrangler dev`'s proxy saturates well below these
    // rates, and its backlog would still hold the machine during the next run.
    const deployed = runtimes.at(-1)!;
    for (const rate of options.rates) {
      const seconds = Math.max(options.durationSec, (options.minPacedRequests ?? 0) / rate);
      runs.push(await loopbackFloor(rate, seconds));
      for (const target of targets.filter((t) => (t.eventsPerRequest ?? 1) === 1)) {
        const named = { ...target, name: deployed.prefix + target.name };
        const auth = { ...headersFor(target, keys), ...deployed.headers };
        runs.push(await paced(deployed.url, named, auth, rate, seconds));
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

/**
 * What a load run reads off its answers (first 5,000: round trips and the handler's time; first
 * 2,000 recommendations: their sources), and the `LoadRun` made of it and the client's timings.
 */
function responseTally(target: Target) {
  const roundTrips: (RoundTrips | null)[] = [];
  const handlerMs: number[] = [];
  let knownTopN = 0;
  const sources: Record<string, number> = {};
  let answers = 0;
  return {
    record(status: number, body: string, header: (name: string) => string | undefined): void {
      if (roundTrips.length < 5000) {
        roundTrips.push(roundTripsFromHeaders(header));
        const timing = parseServerTiming(header('server-timing'));
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
    run(
      counts: Pick<
        LoadRun,
        'connections' | 'durationSec' | 'requests' | 'reqPerSec' | 'non2xx' | 'errors' | 'timeouts'
      >,
      latency: Pick<SampleSummary, 'p50' | 'p90' | 'p99' | 'max' | 'mean'>,
    ): LoadRun {
      const run: LoadRun = {
        target: target.name,
        ...counts,
        p50: latency.p50,
        p90: latency.p90,
        p99: latency.p99,
        max: latency.max,
        mean: latency.mean,
        roundTrips: aggregateRoundTrips(roundTrips),
        handlerMs: handlerMs.length > 0 ? summariseSample(handlerMs) : null,
      };
      if (target.eventsPerRequest !== undefined) {
        run.eventsPerSec = counts.reqPerSec * target.eventsPerRequest;
      } else {
        run.sourceShare = Object.fromEntries(
          Object.entries(sources).map(([s, n]) => [s, n / Math.max(1, answers)]),
        );
        run.knownTopNShare = knownTopN / Math.max(1, roundTrips.length);
      }
      return run;
    },
  };
}

/** A closed-loop run: `connections` requests always in flight (autocannon). */
async function load(
  baseUrl: string,
  target: Target,
  headers: Record<string, string>,
  connections: number,
  durationSec: number,
): Promise<LoadRun> {
  const tally = responseTally(target);
  const base = target.request(headers);
  const request: AutocannonRequest = {
    ...base,
    headers,
    onResponse: (status, body, _context, responseHeaders) => {
      // autocannon keeps the server's header-name case; HTTP header names are case-insensitive.
      const lower = new Map(
        Object.entries(responseHeaders).map(([k, v]) => [
          k.toLowerCase(),
          Array.isArray(v) ? v.join(', ') : v,
        ]),
      );
      tally.record(status, body, (name) => lower.get(name.toLowerCase()));
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
  return tally.run(
    {
      connections,
      durationSec: result.duration,
      requests: total,
      reqPerSec: total / Math.max(result.duration, 1e-9),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    },
    clientMs.length > 0 ? summariseSample(clientMs) : result.latency,
  );
}

/**
 * The open-loop generator against a Node server in this process that answers `{}` at once: what
 * the generator, the loopback network and this machine's wake-ups cost at `rate` on their own
 * (`loopback-floor`), to read the open-loop runs of the same rate against.
 */
async function loopbackFloor(rate: number, durationSec: number): Promise<LoadRun> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const floor: Target = { name: 'loopback-floor', request: () => ({ method: 'GET', path: '/' }) };
    return await paced(`http://127.0.0.1:${port}`, floor, {}, rate, durationSec);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The latency of a run without a 2xx answer (NaN, written as null). */
const NO_ANSWERS: SampleSummary = { n: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };

/**
 * An open-loop run: Poisson arrivals at `rate` per second (bench/paced.ts). `connections` is the
 * most requests that were in flight at once.
 */
async function paced(
  baseUrl: string,
  target: Target,
  headers: Record<string, string>,
  rate: number,
  durationSec: number,
): Promise<LoadRun> {
  const tally = responseTally(target);
  const base = target.request(headers);
  const result = await pacedLoad({
    baseUrl,
    headers,
    rate,
    durationSec,
    next: () => {
      const r = base.setupRequest ? base.setupRequest(base, {}) : base;
      return {
        method: r.method ?? 'GET',
        path: r.path ?? '/',
        ...(r.body === undefined ? {} : { body: r.body }),
      };
    },
    onResponse: ({ status, body, header }) => tally.record(status, body, header),
  });
  const run = tally.run(
    {
      connections: result.peakInFlight,
      durationSec,
      requests: result.sent,
      reqPerSec: result.sent / durationSec,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    },
    result.clientMs.length > 0 ? summariseSample(result.clientMs) : NO_ANSWERS,
  );
  run.rate = rate;
  run.lateP99 = result.lateMs.length > 0 ? summariseSample(result.lateMs).p99 : 0;
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
