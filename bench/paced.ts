/**
 * Open-loop load: requests sent at a fixed mean rate whatever the answers' latency, which is the
 * latency a service level is stated for (at this arrival rate, how long do answers take).
 *
 * The closed-loop runs (autocannon with `connections`) keep c requests in flight, so once the
 * machine saturates their latency is c / throughput (Little's law): queueing, not service time.
 * autocannon's own rate option does not fix that: each connection sends its quota for the second
 * in a burst when the second starts. Here arrivals are a seeded Poisson process, each request
 * goes out on a free keep-alive connection (a new one when all are busy), and the latency is
 * timed from when the request was sent. How late the generator sent requests against their
 * schedule is reported apart (`lateP99`): a run whose generator fell behind shows it there.
 */
import http from 'node:http';
import { createRng } from '../shared/training/random';

/** One request to send: the method, path and body (as autocannon's `setupRequest` builds them). */
export interface PacedRequest {
  method: string;
  path: string;
  body?: string;
}

/** The response as the latency benchmark's bookkeeping reads it. */
export interface PacedResponse {
  status: number;
  body: string;
  header: (name: string) => string | undefined;
}

export interface PacedOptions {
  baseUrl: string;
  headers: Record<string, string>;
  /** Mean arrivals per second. */
  rate: number;
  durationSec: number;
  /** Builds the n-th request. */
  next: () => PacedRequest;
  onResponse?: (response: PacedResponse) => void;
  seed?: number;
  /** Per-request timeout (ms); a request still open then counts as a timeout. */
  timeoutMs?: number;
}

export interface PacedResult {
  /** Requests sent, answered otherwise than 2xx, failed on the socket, timed out. */
  sent: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Client latency of the 2xx answers (ms, from the moment each request was sent). */
  clientMs: number[];
  /** Each request's lateness against its scheduled time (ms). */
  lateMs: number[];
  /** Most requests in flight at once (and so keep-alive connections opened). */
  peakInFlight: number;
}

/**
 * Arrival times (ms from the start, increasing) of a Poisson process of `rate` per second over
 * `durationSec`: exponential gaps from a seeded generator, so a run can be repeated exactly.
 */
export function poissonArrivals(rate: number, durationSec: number, seed = 1): number[] {
  if (!(rate > 0) || !(durationSec > 0)) throw new RangeError('rate and duration must be > 0');
  const rng = createRng(seed);
  const out: number[] = [];
  const end = durationSec * 1000;
  let at = 0;
  for (;;) {
    at += (-Math.log(1 - rng.next()) * 1000) / rate;
    if (at >= end) return out;
    out.push(at);
  }
}

/** Runs one open-loop load and resolves once every request sent has ended. */
export async function pacedLoad(options: PacedOptions): Promise<PacedResult> {
  const arrivals = poissonArrivals(options.rate, options.durationSec, options.seed);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const result: PacedResult = {
    sent: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    clientMs: [],
    lateMs: [],
    peakInFlight: 0,
  };
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const send = (): Promise<void> => {
    const r = options.next();
    const startedAt = performance.now();
    inFlight += 1;
    result.peakInFlight = Math.max(result.peakInFlight, inFlight);
    return new Promise<void>((resolve) => {
      let settled = false;
      let timedOut = false;
      const done = (failure?: 'error') => {
        if (settled) return;
        settled = true;
        if (failure && !timedOut) result.errors += 1;
        inFlight -= 1;
        resolve();
      };
      const req = http.request(
        options.baseUrl + r.path,
        { method: r.method, headers: options.headers, agent, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - startedAt;
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) result.clientMs.push(ms);
            else result.non2xx += 1;
            const header = (name: string) => {
              const v = res.headers[name.toLowerCase()];
              return Array.isArray(v) ? v.join(', ') : v;
            };
            options.onResponse?.({ status, body: Buffer.concat(chunks).toString('utf8'), header });
            done();
          });
          res.on('error', () => done('error'));
          res.on('aborted', () => done('error'));
        },
      );
      req.on('timeout', () => {
        timedOut = true;
        result.timeouts += 1;
        req.destroy();
      });
      req.on('error', () => done('error'));
      req.end(r.body);
    });
  };
  const started = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - started;
      while (i < arrivals.length && arrivals[i]! <= now) {
        result.lateMs.push(now - arrivals[i]!);
        result.sent += 1;
        pending.push(send());
        i += 1;
      }
      if (i >= arrivals.length) resolve();
      else setTimeout(tick, Math.max(0, arrivals[i]! - (performance.now() - started)));
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  return result;
}
