/**
 * The benchmark's view of edgerec: the public HTTP API only (plain `fetch`, so that what is measured
 * is what any client sees), with the few calls the harness needs.
 */
import type { BatchRunReport } from '../shared/domain/batch';
import type { EventInput } from '../shared/domain/events';

/** API keys by scope, as the stack prints them. */
export interface BenchKeys {
  read: string;
  write: string;
  admin: string;
}

/** One answer of `GET /v1/users/{id}/recommendations`. */
export interface RecommendationAnswer {
  status: number;
  ms: number;
  userId: string;
  modelVersion: string | null;
  items: { itemId: string; score: number; sources: string[] }[];
  degraded: string[];
  serverTiming: string | null;
  headers: Headers;
}

/** A catalogue item as posted to `POST /v1/items`. */
export interface ItemInput {
  itemId: string;
  title?: string;
  categories?: string[];
  createdAt?: number;
}

/** Training settings of one batch run (the body of `POST /v1/admin/batch`). */
export interface BatchSettings {
  dims?: number;
  seed?: number;
  tune?: 'auto' | 'off';
  model?: 'auto' | 'als' | 'ease';
}

/** How long one batch status request may take before it is asked again. */
const STATUS_TIMEOUT_MS = 10_000;

/** A non-2xx answer, with the problem+json body when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    readonly body: string,
  ) {
    super(`${path} answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'ApiError';
  }
}

/** Thin client over `fetch` for the calls the benchmark makes. */
export class BenchApi {
  constructor(
    readonly baseUrl: string,
    readonly keys: BenchKeys,
  ) {}

  private async call(
    method: string,
    path: string,
    key: string,
    body?: unknown,
    timeoutMs?: number,
  ): Promise<{ status: number; json: unknown; headers: Headers; ms: number }> {
    const started = performance.now();
    const response = await fetch(new URL(path, this.baseUrl), {
      ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (!response.ok) throw new ApiError(response.status, `${method} ${path}`, text);
    return {
      status: response.status,
      json: text === '' ? null : JSON.parse(text),
      headers: response.headers,
      ms,
    };
  }

  /** `POST /v1/events` (at most 1,000 events) → `{accepted, duplicates}`. */
  async postEvents(
    events: EventInput[],
  ): Promise<{ accepted: number; duplicates: number; ms: number }> {
    const r = await this.call('POST', '/v1/events', this.keys.write, { events });
    const body = r.json as { accepted?: number; duplicates?: number };
    return { accepted: body.accepted ?? 0, duplicates: body.duplicates ?? 0, ms: r.ms };
  }

  /** `POST /v1/items` with a batch (at most 1,000 items; live ones are left as they are). */
  async postItems(
    items: ItemInput[],
  ): Promise<{ created: number; replaced: number; existing: number; ms: number }> {
    const r = await this.call('POST', '/v1/items', this.keys.write, { items });
    const body = r.json as { created?: number; replaced?: number; existing?: number };
    return {
      created: body.created ?? 0,
      replaced: body.replaced ?? 0,
      existing: body.existing ?? 0,
      ms: r.ms,
    };
  }

  /** `POST /v1/admin/batch` (optional training settings of this run) → the run id. */
  async startBatch(settings: BatchSettings = {}): Promise<string> {
    const r = await this.call('POST', '/v1/admin/batch', this.keys.admin, settings);
    const runId = (r.json as { runId?: unknown }).runId;
    if (typeof runId !== 'string')
      throw new Error(`POST /v1/admin/batch returned no runId: ${JSON.stringify(r.json)}`);
    return runId;
  }

  /** `GET /v1/admin/batch/{runId}`, given up after `timeoutMs` (a `TimeoutError`). */
  async batchRun(runId: string, timeoutMs = STATUS_TIMEOUT_MS): Promise<BatchRunReport> {
    const r = await this.call(
      'GET',
      `/v1/admin/batch/${encodeURIComponent(runId)}`,
      this.keys.admin,
      undefined,
      timeoutMs,
    );
    return r.json as BatchRunReport;
  }

  /** Starts a batch run and polls it until it ends; throws unless it succeeded. */
  async runBatch(
    timeoutMs: number,
    settings: BatchSettings = {},
    pollMs = 500,
  ): Promise<{ report: BatchRunReport; wallMs: number }> {
    const started = performance.now();
    const runId = await this.startBatch(settings);
    for (;;) {
      let report: BatchRunReport;
      try {
        report = await this.batchRun(runId);
      } catch (error) {
        // Locally the batch trains on the API's workerd thread: a status request may be dropped, or
        // left unanswered until fetch's own 300 s header timeout (which made a 10 s run look like
        // minutes). It is given up after STATUS_TIMEOUT_MS and asked again until the deadline.
        const transient = !(error instanceof ApiError) || error.status >= 500;
        if (!transient || performance.now() - started > timeoutMs) throw error;
        await new Promise((r) => setTimeout(r, pollMs));
        continue;
      }
      if (report.state === 'succeeded') return { report, wallMs: performance.now() - started };
      if (report.state === 'failed' || report.state === 'refused') {
        throw new Error(`batch run ${runId} ${report.state}: ${report.error ?? 'no error given'}`);
      }
      if (performance.now() - started > timeoutMs) {
        throw new Error(
          `batch run ${runId} still ${report.state} after ${Math.round(timeoutMs / 1000)} s`,
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** `GET /v1/admin/status`. */
  async status(): Promise<Record<string, unknown>> {
    return (await this.call('GET', '/v1/admin/status', this.keys.admin)).json as Record<
      string,
      unknown
    >;
  }

  /** `GET /v1/users/{userId}/recommendations?k=`. */
  async recommendations(userId: string, k: number): Promise<RecommendationAnswer> {
    const r = await this.call(
      'GET',
      `/v1/users/${encodeURIComponent(userId)}/recommendations?k=${k}`,
      this.keys.read,
    );
    const body = r.json as {
      modelVersion?: string | null;
      items?: { itemId: string; score: number; sources?: string[] }[];
      degraded?: string[];
    };
    return {
      status: r.status,
      ms: r.ms,
      userId,
      modelVersion: body.modelVersion ?? null,
      items: (body.items ?? []).map((i) => ({
        itemId: i.itemId,
        score: i.score,
        sources: i.sources ?? [],
      })),
      degraded: body.degraded ?? [],
      serverTiming: r.headers.get('server-timing'),
      headers: r.headers,
    };
  }
}
