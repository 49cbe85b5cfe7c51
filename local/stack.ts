/**
 * The whole edgerec system on one machine (the embedded default): a real redis-server, the local
 * Upstash Redis REST and Upstash Vector REST servers, and both workers in one `wrangler dev`
 * (workerd, local KV). Used by `npm start`, the end-to-end tests and the benchmark harness.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../shared/config';
import { demoUserId, generateDemo, type DemoData } from './demo/generate';
import { loadDemo } from './demo/load';
import { startCronEmulator } from './cron-emulator';
import { isPortFree, stablePorts } from './ports';
import { spawnGroup, type ChildGroup } from './process-group';
import {
  findRedisServer,
  INSTALL_REDIS_HINT,
  resolveRedis,
  startRedisServer,
  type RunningRedis,
  type StartRedisOptions,
} from './redis-server';
import {
  serviceControl,
  signalProcess,
  type ServiceControl,
  type ServiceProcess,
} from './service-control';
import { acquireLock } from './stack-lock';
import { apiKeyEntries, loadOrCreateKeys, type StackKeys } from './stack-keys';
import { answersOk, waitFor } from './wait-for';
import { startWranglerDev } from './wrangler-dev';

/** The repository root (this file is `<root>/local/stack.ts`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Loopback ports of the stack's listeners. */
export interface StackPorts {
  api: number;
  /** redis-server (unused when `REDIS_URL` is set). */
  redis: number;
  redisRest: number;
  vectorRest: number;
}

/** `npm start`'s ports; each can be changed by the environment variable in `PORT_ENV`. */
export const DEFAULT_PORTS: StackPorts = {
  api: 8787,
  redis: 6390,
  redisRest: 8079,
  vectorRest: 8078,
};

/**
 * Ports for a stack beside others (tests, benchmarks, a helper's run): free now, outside the
 * kernel's ephemeral range (`stablePorts`), none of `npm start`'s nor of `avoid`.
 */
export async function allocateStackPorts(avoid: Iterable<number> = []): Promise<StackPorts> {
  const [api, redis, redisRest, vectorRest] = (await stablePorts(4, [
    ...avoid,
    ...Object.values(DEFAULT_PORTS),
  ])) as [number, number, number, number];
  return { api, redis, redisRest, vectorRest };
}

/** Environment variables that override `DEFAULT_PORTS`. */
export const PORT_ENV: Record<keyof StackPorts, string> = {
  api: 'EDGEREC_API_PORT',
  redis: 'EDGEREC_REDIS_PORT',
  redisRest: 'EDGEREC_REDIS_REST_PORT',
  vectorRest: 'EDGEREC_VECTOR_REST_PORT',
};

/** Size of the generated demo data set. */
export interface DemoSize {
  seed: number;
  items: number;
  users: number;
  events: number;
}

/** `npm start`'s demo: a few thousand items, a few hundred users, sixty thousand events. */
export const DEFAULT_DEMO: DemoSize = { seed: 42, items: 3000, users: 400, events: 60_000 };

export interface StackOptions {
  /** Where everything persists: keys, Redis data, vectors, local KV (created if missing). */
  stateDir: string;
  ports: StackPorts;
  /** Generate and load the demo data on first start (`true` = `DEFAULT_DEMO`). */
  demo: boolean | DemoSize;
  /** Progress messages (one line each). */
  log?: (message: string) => void;
  /** Every line wrangler and the workers print. */
  onWorkerOutput?: (line: string) => void;
  /** Extra worker settings written to `.dev.vars` (e.g. `EDGEREC_REALTIME: 'off'` for the bench). */
  settings?: Record<string, string>;
  /** Emulate the hourly cron trigger by calling the admin batch endpoint this often (0 = off). */
  cronIntervalMs?: number;
  /** Where `REDIS_URL`, `EDGEREC_DIMS` and `PATH` are read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** How long each part may take to answer (default 120 s). */
  readyTimeoutMs?: number;
  /** Aborts the start: what was started is stopped and `startStack` rejects. */
  signal?: AbortSignal;
  /**
   * The stack's own redis-server keeps its data on disk (default true); `false` for a throwaway
   * stack, see `StartRedisOptions.persistence`.
   */
  redisPersistence?: boolean;
}

export interface StackUrls {
  api: string;
  docs: string;
  redis: string;
  redisRest: string;
  vectorRest: string;
}

/** What `startStack` loaded or found of the demo data. */
export interface DemoStatus {
  /** The demo is in the stack (loaded now or on an earlier start). */
  present: boolean;
  /** Loaded during this start. */
  loadedNow: boolean;
  size?: DemoSize;
  /** The model version the demo's batch run produced. */
  version?: string;
  /** Users of the demo (for examples and tests), when present. */
  sampleUserIds?: string[];
}

export interface RunningStack {
  urls: StackUrls;
  /** The API keys by scope (admin, write, read). */
  keys: StackKeys['apiKeys'];
  /** Tokens of the two REST servers (for tools that talk to them directly, e.g. the benchmark). */
  restTokens: { redis: string; vector: string };
  stateDir: string;
  /** True when this start generated the keys (first start on this state directory). */
  firstStart: boolean;
  demo: DemoStatus;
  /** ms from the call to `startStack` until everything answered (demo included). */
  startupMs: number;
  /** Process group ids of the children (wrangler + workerd, REST servers). */
  processGroups(): number[];
  /**
   * The dependency processes, to pause, kill, resume or restart one (failure tests); `redis` is
   * null when `REDIS_URL` names a server the stack did not start.
   */
  services: StackServices;
  /** Stops every part; resolves once nothing is left running. Safe to call twice. */
  stop(): Promise<void>;
}

/** Controls of the stack's dependency processes. */
export interface StackServices {
  redis: ServiceControl | null;
  redisRest: ServiceControl;
  vectorRest: ServiceControl;
}

/** The marker that says the demo data was loaded into this state directory. */
interface DemoMarker extends DemoSize {
  endTime: number;
  loadedAt: number;
  version: string;
}

const demoMarkerPath = (stateDir: string) => join(stateDir, 'demo.json');

/** The worker settings (other than the ones the stack writes itself) that may be passed through. */
export function passThroughSettings(
  env: Record<string, string | undefined>,
): Record<string, string> {
  const own = new Set(['EDGEREC_API_KEYS', 'EDGEREC_ENV']);
  const settings: Record<string, string> = {};
  for (const name of Object.keys(configSchema.shape)) {
    const value = env[name];
    if (name.startsWith('EDGEREC_') && !own.has(name) && value !== undefined)
      settings[name] = value;
  }
  return settings;
}

/** Starts the stack; on any failure stops what it started and throws one clear error. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const stateDir = resolve(options.stateDir);
  const { ports, signal } = options;
  const aborted = () => (signal?.aborted ? 'start-up aborted' : null);
  signal?.throwIfAborted();
  mkdirSync(stateDir, { recursive: true });
  const releaseLock = acquireLock(stateDir);

  // The workers' process group (wrangler + workerd).
  const groups: ChildGroup[] = [];
  // The REST servers, each replaceable by a restart (so they are stopped through their control).
  const restServices: ServiceControl[] = [];
  let redis: RunningRedis | null = null;
  let redisService: ServiceControl | null = null;
  let stopCron = () => {};
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    stopCron();
    // A paused dependency (failure tests) would hold up the shutdown of what talks to it.
    for (const service of [...restServices, redisService]) service?.resume();
    // Workers first (they call the REST servers), then the REST servers, then Redis.
    await Promise.all(groups.map((g) => g.stop()));
    await Promise.all(restServices.map((s) => s.stop()));
    await (redisService ? redisService.stop() : redis?.stop());
    releaseLock();
  };

  try {
    const settings = { ...passThroughSettings(env), ...options.settings };
    const dims = settings.EDGEREC_DIMS ?? '64';
    // Before anything starts: no Redis means one line saying how to get it.
    if (!env.REDIS_URL && !findRedisServer(env.PATH ?? '')) throw new Error(INSTALL_REDIS_HINT);
    await assertPortsFree(ports, env.REDIS_URL ? ['redis'] : []);
    const { keys, created } = loadOrCreateKeys(stateDir);
    if (created) log(`keys: generated new tokens and API keys in ${join(stateDir, 'keys.json')}`);

    const urls: StackUrls = {
      api: `http://127.0.0.1:${ports.api}`,
      docs: `http://127.0.0.1:${ports.api}/docs`,
      redis: env.REDIS_URL ?? `redis://127.0.0.1:${ports.redis}`,
      redisRest: `http://127.0.0.1:${ports.redisRest}`,
      vectorRest: `http://127.0.0.1:${ports.vectorRest}`,
    };
    const vars: Record<string, string> = {
      UPSTASH_REDIS_REST_URL: urls.redisRest,
      UPSTASH_REDIS_REST_TOKEN: keys.redisRestToken,
      UPSTASH_VECTOR_REST_URL: urls.vectorRest,
      UPSTASH_VECTOR_REST_TOKEN: keys.vectorRestToken,
      EDGEREC_API_KEYS: JSON.stringify(apiKeyEntries(keys)),
      ...settings,
      EDGEREC_DIMS: dims,
    };

    // Everything that does not depend on Redis starts at once; the Redis REST server follows Redis.
    const [inspectorPort] = (await stablePorts(1, Object.values(ports))) as [number];
    const wrangler = startWranglerDev({
      repoRoot: REPO_ROOT,
      stateDir,
      port: ports.api,
      inspectorPort,
      vars,
      ...(options.onWorkerOutput ? { onLine: options.onWorkerOutput } : {}),
    });
    groups.push(wrangler);
    const vectorRest = restartableRestService('vector-rest', {
      EDGEREC_SERVICE_PORT: String(ports.vectorRest),
      EDGEREC_SERVICE_TOKEN: keys.vectorRestToken,
      EDGEREC_SERVICE_DIMENSION: dims,
      EDGEREC_SERVICE_DATA_DIR: join(stateDir, 'vector'),
    });
    restServices.push(vectorRest.control);
    const redisOptions: StartRedisOptions = {
      port: ports.redis,
      dataDir: join(stateDir, 'redis'),
      host: '127.0.0.1',
      persistence: options.redisPersistence !== false,
    };
    redis = await resolveRedis(redisOptions, env);
    if (redis.pid !== null) {
      redisService = serviceControl('redis', redisProcess(redis), async () =>
        redisProcess(await startRedisServer(redisOptions)),
      );
    }
    log(env.REDIS_URL ? `redis: using REDIS_URL` : `redis: redis-server on ${urls.redis}`);
    const redisRest = restartableRestService('redis-rest', {
      EDGEREC_SERVICE_PORT: String(ports.redisRest),
      EDGEREC_SERVICE_TOKEN: keys.redisRestToken,
      EDGEREC_SERVICE_REDIS_URL: redis.url,
    });
    restServices.push(redisRest.control);

    signal?.throwIfAborted();
    await Promise.all([vectorRest.ready, redisRest.ready]);
    signal?.throwIfAborted();
    await waitFor(
      () =>
        answersOk(urls.redisRest, {
          method: 'POST',
          headers: { authorization: `Bearer ${keys.redisRestToken}` },
          body: JSON.stringify(['PING']),
        }),
      { what: 'the Redis REST server', timeoutMs: readyTimeoutMs, failure: aborted },
    );
    await waitFor(
      () =>
        answersOk(`${urls.vectorRest}/info`, {
          headers: { authorization: `Bearer ${keys.vectorRestToken}` },
        }),
      { what: 'the Vector REST server', timeoutMs: readyTimeoutMs, failure: aborted },
    );
    log(`rest: Upstash Redis REST on ${urls.redisRest}, Upstash Vector REST on ${urls.vectorRest}`);
    // A generous per-request timeout: the first request also compiles the worker's isolate.
    await waitFor(() => answersOk(`${urls.api}/health`, {}, 15_000), {
      what: `the workers (wrangler dev on ${urls.api})`,
      timeoutMs: readyTimeoutMs,
      intervalMs: 200,
      failure: () => aborted() ?? exitedMessage(wrangler),
    });
    log(`workers: API and batch workers on ${urls.api}`);

    const demo = await ensureDemo(stateDir, options.demo, urls.api, keys, log, signal);
    if (options.cronIntervalMs && options.cronIntervalMs > 0) {
      stopCron = startCronEmulator({
        apiUrl: urls.api,
        adminKey: keys.apiKeys.admin,
        intervalMs: options.cronIntervalMs,
        log,
      });
    }
    return {
      urls,
      keys: keys.apiKeys,
      restTokens: { redis: keys.redisRestToken, vector: keys.vectorRestToken },
      stateDir,
      firstStart: created,
      demo,
      startupMs: performance.now() - started,
      processGroups: () => [...groups.map((g) => g.pid), ...restServices.map((s) => s.pid())],
      services: {
        redis: redisService,
        redisRest: redisRest.control,
        vectorRest: vectorRest.control,
      },
      stop,
    };
  } catch (error) {
    // A worker process that died explains the failure better than the request that noticed it.
    const wrangler = groups.find((g) => g.name === 'wrangler');
    if (
      wrangler &&
      !wrangler.running() &&
      error instanceof Error &&
      !/exited/.test(error.message)
    ) {
      error.message += `\n${exitedMessage(wrangler)}`;
    }
    await stop();
    throw error;
  }
}

async function assertPortsFree(ports: StackPorts, skip: (keyof StackPorts)[]): Promise<void> {
  for (const [name, port] of Object.entries(ports) as [keyof StackPorts, number][]) {
    if (skip.includes(name)) continue;
    if (!(await isPortFree(port))) {
      throw new Error(
        `port ${port} (${name}) on 127.0.0.1 is in use: stop what holds it or set ${PORT_ENV[name]}`,
      );
    }
  }
}

function exitedMessage(group: ChildGroup): string | null {
  if (group.running()) return null;
  return `${group.name} exited during start-up:\n${group.recentOutput().slice(-12).join('\n')}`;
}

/** A redis-server started by the stack, as a service process. */
function redisProcess(redis: RunningRedis): ServiceProcess {
  const pid = redis.pid!;
  return { pid, signal: (signal) => signalProcess(pid, signal), stop: () => redis.stop() };
}

/** A process group, as a service process. */
function groupProcess(group: ChildGroup): ServiceProcess {
  return {
    pid: group.pid,
    signal: (signal) => signalProcess(-group.pid, signal),
    stop: () => group.stop(),
  };
}

/** `startRestService` with a control whose `restart()` starts it again with the same settings. */
function restartableRestService(
  service: 'redis-rest' | 'vector-rest',
  serviceEnv: Record<string, string>,
): { control: ServiceControl; ready: Promise<void> } {
  const first = startRestService(service, serviceEnv);
  const control = serviceControl(service, groupProcess(first.group), async () => {
    const next = startRestService(service, serviceEnv);
    await next.ready;
    return groupProcess(next.group);
  });
  return { control, ready: first.ready };
}

/**
 * V8 flags of the REST service processes. `--no-allocation-site-pretenuring`, for the Redis one:
 * after some orders of the catalogue import's requests, V8 starts allocating redis-parser's reply
 * arrays straight in the old generation. Each dead reply array then keeps its young Buffer slices
 * alive through the next scavenges until a full GC: each scavenge (one per ~50 requests) kept
 * about 2 MB, its median pause went from under 1 ms to 4-9 ms and the p99 from ~4 to 7-12 ms.
 * Measured by replaying a benchmark run's Redis traffic (bench/redis-rest-gc.ts, BENCHMARKS.md).
 */
export const REST_SERVICE_V8_FLAGS: Record<'redis-rest' | 'vector-rest', string[]> = {
  'redis-rest': ['--no-allocation-site-pretenuring'],
  'vector-rest': [],
};

/** The Node arguments that run one REST service process (`local/rest-service.ts`) with `v8Flags`. */
export function restServiceArgs(v8Flags: readonly string[]): string[] {
  return [...v8Flags, '--import', 'tsx', join(REPO_ROOT, 'local', 'rest-service.ts')];
}

/** Starts one REST server in a child process; `ready` resolves when it prints its ready line. */
function startRestService(
  service: 'redis-rest' | 'vector-rest',
  serviceEnv: Record<string, string>,
): { group: ChildGroup; ready: Promise<void> } {
  let markReady: () => void = () => {};
  const readyLine = new Promise<void>((resolveReady) => (markReady = resolveReady));
  const group = spawnGroup(
    service,
    process.execPath,
    restServiceArgs(REST_SERVICE_V8_FLAGS[service]),
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...serviceEnv, EDGEREC_SERVICE: service },
      pipeStdin: true,
      onLine: (line) => {
        if (line.startsWith('{"ready":true')) markReady();
      },
    },
  );
  const failed = group.exited.then((code) => {
    throw new Error(
      `${service} exited during start-up (code ${code}): ${group.recentOutput().slice(-5).join(' | ')}`,
    );
  });
  const ready = Promise.race([readyLine, failed]);
  // Marked handled: when start-up fails elsewhere first, stopping this child must not surface as an
  // unhandled rejection; callers that await `ready` still see the error.
  ready.catch(() => {});
  return { group, ready };
}

/** Loads the demo on first start (marker absent), or reports the one loaded earlier. */
async function ensureDemo(
  stateDir: string,
  demo: boolean | DemoSize,
  apiUrl: string,
  keys: StackKeys,
  log: (message: string) => void,
  signal: AbortSignal | undefined,
): Promise<DemoStatus> {
  const markerPath = demoMarkerPath(stateDir);
  if (existsSync(markerPath)) {
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as DemoMarker;
    const size = {
      seed: marker.seed,
      items: marker.items,
      users: marker.users,
      events: marker.events,
    };
    return {
      present: true,
      loadedNow: false,
      size,
      version: marker.version,
      sampleUserIds: sampleUsers(size),
    };
  }
  if (demo === false) return { present: false, loadedNow: false };
  const size = demo === true ? DEFAULT_DEMO : demo;
  // The history ends now (to the minute), so that trending and freshness look alive.
  const endTime = Math.floor(Date.now() / 60_000) * 60_000;
  const data: DemoData = generateDemo({ ...size, endTime });
  log(
    `demo: generated ${data.items.length} items, ${data.users.length} users, ${data.events.length} events (seed ${size.seed})`,
  );
  const report = await loadDemo({
    apiUrl,
    keys: keys.apiKeys,
    data,
    log,
    ...(signal ? { signal } : {}),
  });
  const marker: DemoMarker = {
    ...size,
    endTime,
    loadedAt: Date.now(),
    version: report.batch.version,
  };
  writeFileSync(markerPath, `${JSON.stringify(marker, null, 2)}\n`);
  return {
    present: true,
    loadedNow: true,
    size,
    version: marker.version,
    sampleUserIds: sampleUsers(size),
  };
}

/** The ids of the demo's first users (ids are positional, so no regeneration is needed). */
function sampleUsers(size: DemoSize): string[] {
  return Array.from({ length: Math.min(3, size.users) }, (_, i) => demoUserId(i, size.users));
}
