/**
 * Loads the demo data into a running stack through the public HTTP API only — exactly what a
 * client would do: items and events in batches of 1,000 with the write key (events in time order,
 * so that recent histories and sessions come out as they would live), then one batch run with the
 * admin key, awaited so that recommendations come back as soon as start-up ends.
 */
import type { BatchRunReport } from '../../shared/domain/batch';
import { MAX_EVENTS_PER_REQUEST } from '../../shared/domain/events';
import { MAX_ITEMS_PER_REQUEST } from '../../shared/domain/items';
import type { DemoData } from './generate';

export interface LoadDemoOptions {
  apiUrl: string;
  keys: { write: string; admin: string };
  data: DemoData;
  log?: (message: string) => void;
  /** How long the batch run may take (default 10 minutes). */
  batchTimeoutMs?: number;
  /** Stops the loading between two requests (the data loaded so far stays). */
  signal?: AbortSignal;
}

export interface LoadDemoReport {
  items: number;
  events: { accepted: number; duplicates: number };
  batch: BatchRunReport;
  ms: { items: number; events: number; batch: number };
}

/** A non-2xx answer of the API while loading. */
export class DemoLoadError extends Error {
  constructor(
    readonly status: number,
    readonly request: string,
    body: string,
  ) {
    super(`${request} answered ${status}: ${body.slice(0, 500)}`);
    this.name = 'DemoLoadError';
  }
}

/**
 * Per-request limit. Generous for a request, but far below fetch's own 300 s header timeout: a
 * status request that workerd left hanging while the batch trained is retried instead of awaited.
 */
const REQUEST_TIMEOUT_MS = 60_000;
const STATUS_TIMEOUT_MS = 10_000;

async function call<T>(
  apiUrl: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
  signal?: AbortSignal,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<T> {
  signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(timeoutMs);
  const response = await fetch(new URL(path, apiUrl), {
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new DemoLoadError(response.status, `${method} ${path}`, text);
  return (text === '' ? null : JSON.parse(text)) as T;
}

/** Delays before the retries of a write that failed transiently (5xx, 429, network, timeout). */
const RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000];

/**
 * `call` for the writes of the load, retried when the failure is transient — on a busy machine a
 * store request inside the worker can time out. Retrying is safe: an item batch posted twice
 * reports the items as existing and an event posted twice is a duplicate by its id.
 */
async function callWithRetry<T>(
  apiUrl: string,
  method: string,
  path: string,
  key: string,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call<T>(apiUrl, method, path, key, body, signal);
    } catch (error) {
      const retryable =
        isTransient(error) || (error instanceof DemoLoadError && error.status === 429);
      const delay = RETRY_DELAYS_MS[attempt];
      if (!retryable || delay === undefined || signal?.aborted) throw error;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Loads `data` into the stack at `apiUrl` and waits for the batch run; throws on any failure. */
export async function loadDemo(options: LoadDemoOptions): Promise<LoadDemoReport> {
  const { apiUrl, keys, data } = options;
  const log = options.log ?? (() => {});

  let started = performance.now();
  let existing = 0;
  // One request per 1,000 items (one Redis transaction each in the worker), one after another:
  // each is a single round trip, so parallel requests would only contend for the same Redis.
  for (let i = 0; i < data.items.length; i += MAX_ITEMS_PER_REQUEST) {
    const answer = await callWithRetry<{ existing: number }>(
      apiUrl,
      'POST',
      '/v1/items',
      keys.write,
      { items: data.items.slice(i, i + MAX_ITEMS_PER_REQUEST) },
      options.signal,
    );
    // Items of an earlier, interrupted load are left as they are (the generator made the same ones).
    existing += answer.existing;
  }
  const itemsMs = performance.now() - started;
  log(
    `demo: ${data.items.length} items posted in ${(itemsMs / 1000).toFixed(1)} s` +
      (existing > 0 ? ` (${existing} already there)` : ''),
  );

  started = performance.now();
  const events = { accepted: 0, duplicates: 0 };
  for (let i = 0; i < data.events.length; i += MAX_EVENTS_PER_REQUEST) {
    const batch = data.events.slice(i, i + MAX_EVENTS_PER_REQUEST);
    const answer = await callWithRetry<{ accepted: number; duplicates: number }>(
      apiUrl,
      'POST',
      '/v1/events',
      keys.write,
      { events: batch },
      options.signal,
    );
    events.accepted += answer.accepted;
    events.duplicates += answer.duplicates;
  }
  const eventsMs = performance.now() - started;
  log(
    `demo: ${events.accepted} events accepted (${events.duplicates} duplicates) in ${(eventsMs / 1000).toFixed(1)} s`,
  );

  started = performance.now();
  const batchTimeoutMs = options.batchTimeoutMs ?? 600_000;
  const runId = await startBatchRun(apiUrl, keys.admin, batchTimeoutMs, log, options.signal);
  log(`demo: batch run ${runId} started`);
  const batch = await waitForBatch(apiUrl, keys.admin, runId, batchTimeoutMs, log, options.signal);
  const batchMs = performance.now() - started;
  log(
    `demo: batch run ${runId} ${batch.state} in ${(batchMs / 1000).toFixed(1)} s (version ${batch.version})`,
  );
  return {
    items: data.items.length,
    events,
    batch,
    ms: { items: itemsMs, events: eventsMs, batch: batchMs },
  };
}

/**
 * `POST /v1/admin/batch` → run id. A 409 means another run holds the batch lock (a cron run, or
 * one cut short by a stop, whose lock expires by itself): wait and ask again until the deadline.
 */
async function startBatchRun(
  apiUrl: string,
  adminKey: string,
  timeoutMs: number,
  log: (message: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const answer = await call<{ runId: string }>(
        apiUrl,
        'POST',
        '/v1/admin/batch',
        adminKey,
        {},
        signal,
      );
      return answer.runId;
    } catch (error) {
      if (!(error instanceof DemoLoadError && error.status === 409) || Date.now() > deadline) {
        throw error;
      }
      if (!told) log('demo: another batch run holds the lock; waiting for it to end');
      told = true;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

/** A failure worth polling through: the network, or the API answering 5xx while the batch trains. */
function isTransient(error: unknown): boolean {
  if (error instanceof DemoLoadError) return error.status >= 500;
  return error instanceof TypeError || (error as Error).name === 'TimeoutError';
}

/** Polls `GET /v1/admin/batch/{runId}` until the run ends; throws unless it succeeded. */
export async function waitForBatch(
  apiUrl: string,
  adminKey: string,
  runId: string,
  timeoutMs: number,
  log: (message: string) => void = () => {},
  signal?: AbortSignal,
): Promise<BatchRunReport> {
  const deadline = Date.now() + timeoutMs;
  let lastState = 'unknown';
  let told = false;
  for (;;) {
    let report: BatchRunReport | null = null;
    try {
      report = await call<BatchRunReport>(
        apiUrl,
        'GET',
        `/v1/admin/batch/${encodeURIComponent(runId)}`,
        adminKey,
        undefined,
        signal,
        STATUS_TIMEOUT_MS,
      );
    } catch (error) {
      if (!isTransient(error)) throw error;
      // Training is CPU-bound inside workerd; a status request may fail while it runs.
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      if (!told)
        log(
          `demo: batch status not available yet (${cause ?? (error as Error).message}); polling on`,
        );
      told = true;
    }
    if (report) {
      lastState = report.state;
      if (report.state === 'succeeded') return report;
      if (report.state === 'failed' || report.state === 'refused') {
        throw new Error(`batch run ${runId} ${report.state}: ${report.error ?? 'no reason given'}`);
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `batch run ${runId} still ${lastState} after ${Math.round(timeoutMs / 1000)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
