import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pacedLoad, poissonArrivals } from '../../../bench/paced';

describe('poissonArrivals', () => {
  it('keeps the mean rate, repeats with the seed and stays inside the duration', () => {
    const a = poissonArrivals(200, 50, 7);
    // 10,000 expected arrivals; a Poisson count's standard deviation is 100.
    expect(a.length).toBeGreaterThan(9600);
    expect(a.length).toBeLessThan(10400);
    expect(poissonArrivals(200, 50, 7)).toEqual(a);
    expect(poissonArrivals(200, 50, 8)).not.toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThan(a[i - 1]!);
    expect(a.at(-1)!).toBeLessThan(50_000);
  });
  it('has exponential gaps: about 63% of them shorter than the mean gap', () => {
    const a = poissonArrivals(100, 100, 3);
    const gaps = a.slice(1).map((t, i) => t - a[i]!);
    const short = gaps.filter((g) => g < 10).length / gaps.length;
    expect(short).toBeGreaterThan(0.6);
    expect(short).toBeLessThan(0.66);
  });
  it('refuses a rate or duration that is not positive', () => {
    expect(() => poissonArrivals(0, 1)).toThrow(RangeError);
    expect(() => poissonArrivals(10, 0)).toThrow(RangeError);
  });
});

describe('pacedLoad', () => {
  let server: http.Server;
  let baseUrl: string;
  let open = 0;
  let peak = 0;
  beforeAll(async () => {
    // Answers /slow after 40 ms, /fail with a 503, anything else at once; echoes the method and body.
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        open += 1;
        peak = Math.max(peak, open);
        const reply = () => {
          open -= 1;
          res.writeHead(req.url === '/fail' ? 503 : 200, { 'server-timing': 'total;dur=1' });
          res.end(JSON.stringify({ method: req.method, body }));
        };
        if (req.url === '/slow') setTimeout(reply, 40);
        else reply();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends at the rate whatever the latency, overlapping slow answers', async () => {
    peak = 0;
    const seen: string[] = [];
    let n = 0;
    const r = await pacedLoad({
      baseUrl,
      headers: { 'content-type': 'application/json' },
      rate: 200,
      durationSec: 1,
      seed: 5,
      next: () => ({ method: 'POST', path: '/slow', body: String(n++) }),
      onResponse: ({ status, body, header }) => {
        expect(status).toBe(200);
        expect(header('Server-Timing')).toBe('total;dur=1');
        seen.push((JSON.parse(body) as { body: string }).body);
      },
    });
    expect(r.sent).toBe(poissonArrivals(200, 1, 5).length);
    expect(r.clientMs.length).toBe(r.sent);
    expect(seen).toHaveLength(r.sent);
    expect(new Set(seen).size).toBe(r.sent);
    expect(r.clientMs).toHaveLength(r.sent);
    expect(Math.min(...r.clientMs)).toBeGreaterThanOrEqual(39);
    // 200/s with 40 ms answers: about 8 in flight. A closed loop of one connection would have 1.
    expect(peak).toBeGreaterThan(3);
    expect(r.peakInFlight).toBeGreaterThan(3);
    expect(r.lateMs).toHaveLength(r.sent);
  });

  it('counts non-2xx answers and socket failures apart from the answers it times', async () => {
    const failed = await pacedLoad({
      baseUrl,
      headers: {},
      rate: 50,
      durationSec: 0.4,
      next: () => ({ method: 'GET', path: '/fail' }),
    });
    expect(failed.sent).toBeGreaterThan(0);
    expect(failed.non2xx).toBe(failed.sent);
    expect(failed.clientMs).toEqual([]);
    const refused = await pacedLoad({
      baseUrl: 'http://127.0.0.1:1',
      headers: {},
      rate: 50,
      durationSec: 0.4,
      next: () => ({ method: 'GET', path: '/' }),
    });
    expect(refused.errors).toBe(refused.sent);
    expect(refused.clientMs.length).toBe(0);
  });
});
