/**
 * Degraded answers of the running stack when a real dependency process stops: redis-server and the
 * Upstash Vector REST server are paused (SIGSTOP: a hang, which runs into the time budgets) and
 * killed (SIGKILL: a crash, which runs into connection errors), then resumed or restarted. Every
 * request goes through the typed client over HTTP, as a customer's would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../local/demo/generate';
import { groupAlive } from '../../local/process-group';
import { startStack, type DemoSize, type RunningStack } from '../../local/stack';
import type { EventInput } from '../../shared/domain/events';
import { PROBLEM_BASE, type ProblemDetails } from '../../shared/errors';
import { createClient, type EdgerecClient } from '../../workers/api/client';
import { allocateStackPorts, isolatedEnv } from './stack-env';

const DEMO: DemoSize = { seed: 23, items: 200, users: 40, events: 3000 };
const demoItemIds = generateDemo(DEMO).items.map((i) => i.itemId);
const stateDir = mkdtempSync(join(tmpdir(), 'edgerec-degraded-'));
/** What the workers printed, for the failure messages. */
const workerOutput: string[] = [];

let stack: RunningStack;
let read: EdgerecClient;
let write: EdgerecClient;
/** A demo user with a precomputed top-N (KV and Redis). */
let cachedUser: string;
/** A user the batch never saw, given an on-line vector by events: its answer needs ANN. */
const annUser = 'degraded-ann-user';

interface Recommendations {
  userId: string;
  modelVersion: string | null;
  items: { itemId: string; sources: string[] }[];
  degraded: string[];
}

interface Health {
  status: 'ok' | 'degraded';
  modelVersion: string | null;
  dependencies: { redis: string; kv: string; vector: string };
}

async function recommend(userId: string) {
  const res = await read.v1.users[':userId'].recommendations.$get({
    param: { userId },
    query: { k: '10' },
  });
  expect(res.status, await tailOnFailure(res)).toBe(200);
  return { body: (await res.json()) as Recommendations, headers: res.headers };
}

async function health(): Promise<Health> {
  const res = await read.health.$get();
  expect(res.status).toBe(200);
  return (await res.json()) as Health;
}

async function trendingIn(category: string): Promise<string[]> {
  const res = await read.v1.trending.$get({ query: { category, k: '10' } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { items: { itemId: string }[]; degraded: string[] };
  expect(body.degraded).toEqual([]);
  return body.items.map((i) => i.itemId);
}

/**
 * wrangler dev rebuilds and reloads the workers whenever a source file changes (e.g. someone edits
 * the tree while the test runs); it retries GETs caught in a reload itself, and answers a POST with
 * this plain-text 503, which is the dev server's, not the API's.
 */
const RELOADED_MID_REQUEST = /^Your worker restarted mid-request/;

/** Sends a POST again (at most twice) when the dev server reloaded the workers under it. */
async function throughReloads<R extends AnyResponse>(send: () => Promise<R>): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    const res = await send();
    if (res.status !== 503 || attempt === 2) return res;
    if (!RELOADED_MID_REQUEST.test(await res.clone().text())) return res;
    console.log('[degraded] wrangler dev reloaded the workers mid-request; sending again');
  }
}

function postEvents(events: EventInput[]) {
  return throughReloads(() => write.v1.events.$post({ json: { events } }));
}

/** What the helpers below read of a response (the typed client's responses and fetch's). */
interface AnyResponse {
  ok: boolean;
  status: number;
  headers: Headers;
  clone(): { text(): Promise<string> };
  json(): Promise<unknown>;
}

/** The worker's last lines, attached to an unexpected status. */
async function tailOnFailure(res: AnyResponse): Promise<string> {
  if (res.ok) return '';
  return `${res.status} ${await res.clone().text()}\n${workerOutput.slice(-10).join('\n')}`;
}

/** Polls `check` until it returns true (bounded: a recovery that never comes fails the test). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms\n${workerOutput.slice(-10).join('\n')}`);
}

/** A catalogue item in a category of its own, so that its trending list shows exactly these events. */
async function probeItem(tag: string): Promise<{ itemId: string; category: string }> {
  const probe = { itemId: `probe-${tag}`, category: `probe-${tag}` };
  // PUT: creating it again after a reload under the request changes nothing.
  const res = await throughReloads(() =>
    write.v1.items[':itemId'].$put({
      param: { itemId: probe.itemId },
      json: { title: `Probe ${tag}`, categories: [probe.category] },
    }),
  );
  expect(res.status, await tailOnFailure(res)).toBe(200);
  return probe;
}

/** Five click events on `itemId`, with client ids (the idempotency key of a retry). */
function probeEvents(tag: string, itemId: string): EventInput[] {
  const now = Date.now();
  return Array.from({ length: 5 }, (_, i) => ({
    id: `evt-${tag}-${i}`,
    userId: `probe-user-${tag}-${i}`,
    itemId,
    type: 'click',
    timestamp: now - i * 1000,
  }));
}

/**
 * An unconfirmed ingest: 503 problem+json with the stable type, the dependency, `Retry-After`, and
 * whether resending the same request is safe.
 */
async function expectIngestUnconfirmed(
  res: AnyResponse,
  retrySafe = true,
): Promise<ProblemDetails> {
  const text = await res.clone().text();
  expect(res.status, text).toBe(503);
  expect(res.headers.get('content-type'), `${text}\n${workerOutput.slice(-10).join('\n')}`).toBe(
    'application/problem+json',
  );
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  const problem = (await res.json()) as ProblemDetails;
  expect(problem).toMatchObject({
    type: `${PROBLEM_BASE}dependency-unavailable`,
    status: 503,
    dependency: 'redis',
    retrySafe,
  });
  return problem;
}

/** Recommendations to the cached user and health both say every dependency answers again. */
async function expectRecovered(what: string) {
  await eventually(`${what}: recommendations without degraded sources`, async () => {
    const { body } = await recommend(cachedUser);
    return body.degraded.length === 0 && body.items.length > 0;
  });
  await eventually(`${what}: health ok`, async () => (await health()).status === 'ok');
}

/** ANN answers for the user with only an on-line vector (`vector=1` round trip, an `ann` item). */
async function annAnswers(): Promise<boolean> {
  const { body, headers } = await recommend(annUser);
  return (
    body.degraded.length === 0 &&
    /vector=1/.test(headers.get('x-edgerec-round-trips') ?? '') &&
    body.items.some((i) => i.sources.includes('ann'))
  );
}

beforeAll(async () => {
  stack = await startStack({
    stateDir,
    ports: await allocateStackPorts(),
    demo: DEMO,
    env: isolatedEnv(),
    log: (message) => console.log(`[degraded] ${message}`),
    onWorkerOutput: (line) => {
      workerOutput.push(line);
      if (workerOutput.length > 200) workerOutput.shift();
    },
  });
  read = createClient(stack.urls.api, stack.keys.read);
  write = createClient(stack.urls.api, stack.keys.write);
  cachedUser = stack.demo.sampleUserIds![0]!;
  // A few clicks make a new user whose only vector is the on-line one (fold-in after the answer).
  const res = await postEvents(
    demoItemIds.slice(0, 6).map((itemId, i) => ({
      id: `ann-user-${i}`,
      userId: annUser,
      itemId,
      type: 'click',
    })),
  );
  expect(res.status, await tailOnFailure(res)).toBe(202);
}, 300_000);

afterAll(async () => {
  if (stack) {
    const groups = stack.processGroups();
    const redisPid = stack.services.redis?.pid();
    await stack.stop();
    for (const pid of groups) expect(groupAlive(pid), `process group ${pid}`).toBe(false);
    if (redisPid !== undefined)
      expect(groupAlive(redisPid), `redis-server ${redisPid}`).toBe(false);
  }
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('the stack with every dependency running', () => {
  it('answers in full: nothing degraded, health ok, ANN for a user known only on-line', async () => {
    expect(stack.services.redis).not.toBeNull();
    const { body } = await recommend(cachedUser);
    expect(body.modelVersion).toBe(stack.demo.version);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.degraded).toEqual([]);
    expect(await health()).toMatchObject({
      status: 'ok',
      modelVersion: stack.demo.version,
      dependencies: { redis: 'ok', kv: 'ok', vector: 'ok' },
    });
    await eventually('ANN answers for the on-line user', annAnswers);
  });
});

describe('redis-server stops', () => {
  it('hangs (SIGSTOP): answers from KV and popular items within the budget; ingest answers an unconfirmed 503 and a retry stores nothing twice', async () => {
    const probe = await probeItem('hang');
    const events = probeEvents('hang', probe.itemId);
    const redis = stack.services.redis!;
    redis.pause();
    try {
      const cached = await recommend(cachedUser);
      expect(cached.body.modelVersion).toBe(stack.demo.version);
      expect(cached.body.items.length).toBeGreaterThan(0);
      expect(cached.body.degraded).toContain('redis:timeout');
      // The rate limiter lives in Redis too: it lets the request through and says so.
      expect(cached.headers.get('x-ratelimit-status')).toBe('fail-open');
      const stranger = await recommend('never-seen-user');
      expect(stranger.body.degraded).toContain('redis:timeout');
      expect(stranger.body.items.length).toBe(10);
      expect(stranger.body.items.every((i) => i.sources.includes('popular'))).toBe(true);
      expect(await health()).toMatchObject({
        status: 'degraded',
        dependencies: { redis: 'timeout', kv: 'ok', vector: 'ok' },
      });
      // The write waits for its own (longer) timeout, then answers that it was not confirmed.
      await expectIngestUnconfirmed(await postEvents(events));
    } finally {
      redis.resume();
    }
    await expectRecovered('after SIGCONT');
    // The hung Redis had the script in its socket buffer and ran it on SIGCONT: the 503 meant
    // "not confirmed", so the client's retry with the same ids finds every event stored once.
    const retry = await postEvents(events);
    expect(retry.status, await tailOnFailure(retry)).toBe(202);
    expect(await retry.json()).toEqual({ accepted: 0, duplicates: events.length });
    expect(await trendingIn(probe.category)).toEqual([probe.itemId]);
  }, 90_000);

  it('crashes (SIGKILL): answers with `redis:error`, ingest fails at once; after a restart the retry stores the events', async () => {
    const probe = await probeItem('crash');
    const events = probeEvents('crash', probe.itemId);
    const redis = stack.services.redis!;
    const pidBefore = redis.pid();
    await redis.kill();
    try {
      const cached = await recommend(cachedUser);
      expect(cached.body.modelVersion).toBe(stack.demo.version);
      expect(cached.body.items.length).toBeGreaterThan(0);
      expect(cached.body.degraded).toContain('redis:error');
      // Ranking the user's own items still answers, from KV and the isolate's model.
      const asked = [...cached.body.items.map((i) => i.itemId).reverse(), 'no-such-item'];
      const ranked = await throughReloads(() =>
        read.v1.users[':userId'].rank.$post({
          param: { userId: cachedUser },
          json: { items: asked },
        }),
      );
      expect(ranked.status, await tailOnFailure(ranked)).toBe(200);
      const rankBody = await ranked.json();
      expect(rankBody.degraded).toContain('redis:error');
      expect(rankBody.items.map((i) => i.itemId).sort()).toEqual(asked.slice(0, -1).sort());
      expect(rankBody.unranked).toEqual([{ itemId: 'no-such-item', reason: 'unscored' }]);
      const stranger = await recommend('never-seen-user');
      expect(stranger.body.degraded).toContain('redis:error');
      expect(stranger.body.items.length).toBe(10);
      const trending = await read.v1.trending.$get({ query: { k: '5' } });
      expect(trending.status).toBe(200);
      expect(await trending.json()).toMatchObject({
        degraded: ['redis:error', 'trending:popular-fallback'],
      });
      expect(await health()).toMatchObject({
        status: 'degraded',
        dependencies: { redis: 'error', kv: 'ok', vector: 'ok' },
      });
      const started = Date.now();
      await expectIngestUnconfirmed(await postEvents(events));
      // A dead Redis is refused at once, not after a timeout.
      expect(Date.now() - started).toBeLessThan(5_000);
      // An event with neither id nor timestamp gets an id from its time of arrival: not safe to resend.
      const anonymous = { userId: 'probe-anonymous', itemId: probe.itemId, type: 'view' };
      await expectIngestUnconfirmed(await postEvents([anonymous]), false);
    } finally {
      await redis.restart();
    }
    expect(redis.pid()).not.toBe(pidBefore);
    await expectRecovered('after the restart');
    // Redis came back with its data (append-only file): the version and the hang probe's events.
    expect((await recommend(cachedUser)).body.modelVersion).toBe(stack.demo.version);
    expect(await trendingIn('probe-hang')).toEqual(['probe-hang']);
    // Nothing was stored while Redis was down: the retry stores every event, a second one none.
    const retry = await postEvents(events);
    expect(retry.status, await tailOnFailure(retry)).toBe(202);
    expect(await retry.json()).toEqual({ accepted: events.length, duplicates: 0 });
    const again = await postEvents(events);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: events.length });
    expect(await trendingIn(probe.category)).toEqual([probe.itemId]);
  }, 90_000);
});

describe('the vector server stops', () => {
  it('hangs (SIGSTOP): the ANN source is skipped as `ann:timeout`, the answer comes from the rest', async () => {
    await eventually('ANN answers before the outage', annAnswers);
    const vector = stack.services.vectorRest;
    vector.pause();
    try {
      const { body } = await recommend(annUser);
      expect(body.degraded).toEqual(['ann:timeout']);
      expect(body.items.length).toBeGreaterThan(0);
      expect(body.items.some((i) => i.sources.includes('ann'))).toBe(false);
      expect(await health()).toMatchObject({
        status: 'degraded',
        dependencies: { redis: 'ok', kv: 'ok', vector: 'timeout' },
      });
    } finally {
      vector.resume();
    }
    await eventually('ANN answers after SIGCONT', annAnswers);
    await expectRecovered('after SIGCONT');
  }, 90_000);

  it('crashes (SIGKILL): the ANN source is skipped, health says `vector: error`; a restart brings ANN back from the snapshot', async () => {
    const vector = stack.services.vectorRest;
    await vector.kill();
    try {
      const { body } = await recommend(annUser);
      // Refused connections fail at once, but the client retries once (25 ms later) inside the ANN
      // budget of 40 ms, so on a busy machine the budget may run out first; health's 500 ms budget
      // always sees the error itself.
      expect(body.degraded).toHaveLength(1);
      expect(body.degraded[0]).toMatch(/^ann:(error|timeout)$/);
      expect(body.items.length).toBeGreaterThan(0);
      expect(body.items.some((i) => i.sources.includes('ann'))).toBe(false);
      expect(await health()).toMatchObject({
        status: 'degraded',
        dependencies: { redis: 'ok', kv: 'ok', vector: 'error' },
      });
      // Users with a cached top-N never needed the vector server.
      expect((await recommend(cachedUser)).body.degraded).toEqual([]);
      // Similar items of a category: the batch's list answers, its fill from the index is skipped.
      const seed = (await recommend(cachedUser)).body.items[0]!.itemId;
      const seedItem = await read.v1.items[':itemId'].$get({ param: { itemId: seed } });
      const category = ((await seedItem.json()) as { categories: string[] }).categories[0]!;
      const similar = await read.v1.items[':itemId'].similar.$get({
        param: { itemId: seed },
        query: { k: '100', category },
      });
      expect(similar.status, await tailOnFailure(similar)).toBe(200);
      const similarBody = await similar.json();
      expect(similarBody.degraded).toHaveLength(1);
      expect(similarBody.degraded[0]).toMatch(/^ann:(error|timeout)$/);
      expect(similarBody.items.length).toBeGreaterThan(0);
      expect(similarBody.items.every((i) => i.source === 'neighbours')).toBe(true);
    } finally {
      await vector.restart();
    }
    await eventually('ANN answers after the restart', annAnswers);
    await expectRecovered('after the restart');
  }, 90_000);
});
