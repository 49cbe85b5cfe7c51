/** Contract tests of the batch's ports (event log, catalogue, version store) against real servers. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisClient, type Redis } from '../../shared/adapters/upstash-redis-client';
import { UpstashCatalogue } from '../../shared/adapters/upstash-catalogue';
import { UpstashEventLog } from '../../shared/adapters/upstash-event-log';
import { UpstashStateStore } from '../../shared/adapters/upstash-state-store';
import { UpstashVersionStore } from '../../shared/adapters/upstash-version-store';
import type { TopNRecord } from '../../shared/domain/artefacts';
import type { BatchRunReport } from '../../shared/domain/batch';
import type { StoredEvent } from '../../shared/domain/events';
import { redisKeys } from '../../shared/keys';
import { normalizeEvent } from '../../batch/import/normalize-event';
import { startBatchStack, type BatchStack } from '../../batch/private-servers';
import { takeSnapshot } from '../../batch/stages/snapshot';
import { normaliseEvents } from '../../workers/api/services/ingest-service';

let stack: BatchStack;
let redis: Redis;

beforeAll(async () => {
  stack = await startBatchStack(8);
  redis = createRedisClient(stack.redisRest);
});
afterAll(async () => stack?.stop());
beforeEach(async () => {
  await redis.flushdb();
});

const event = (i: number): StoredEvent => ({
  id: `e${i}`,
  userId: `u${i % 7}`,
  itemId: `i${i % 11}`,
  type: i % 3 === 0 ? 'rating' : 'view',
  ...(i % 3 === 0 ? { value: 1 + (i % 5) } : {}),
  timestamp: 1_700_000_000_000 + i,
});

describe('UpstashEventLog', () => {
  it('appends in order and reads back every entry once, in chunks, up to a fixed last id', async () => {
    const log = new UpstashEventLog(redis, 7);
    expect(await log.lastId()).toBeNull();
    expect(await log.length()).toBe(0);
    const events = Array.from({ length: 53 }, (_, i) => event(i));
    const ids = await log.append(events);
    expect(ids).toHaveLength(53);
    expect(new Set(ids).size).toBe(53);
    const last = (await log.lastId())!;
    expect(last).toBe(ids[52]);
    expect(await log.length()).toBe(53);
    // Appended after the snapshot's cut: must not be read.
    await log.append([event(1000)]);

    const seen: unknown[] = [];
    let after: string | undefined;
    for (;;) {
      const chunk = await log.read({ after, until: last, count: 10 });
      seen.push(...chunk.map((e) => e.event));
      if (chunk.length < 10) break;
      after = chunk[chunk.length - 1]!.id;
    }
    expect(seen).toEqual(events);
  });

  it('decodes an entry that is not JSON as null instead of failing the read', async () => {
    const log = new UpstashEventLog(redis);
    await redis.xadd(redisKeys.eventLog, '*', { e: '{not json' });
    const [id] = await log.append([event(1)]);
    const entries = await log.read({ until: id!, count: 10 });
    expect(entries.map((e) => e.event)).toEqual([null, event(1)]);
  });
});

describe('the snapshot of the log', () => {
  it('takes each event id once: a file imported twice, an event both imported and posted', async () => {
    const log = new UpstashEventLog(redis, 5);
    const file = Array.from({ length: 12 }, (_, i) => {
      const { id: _id, ...rest } = event(i);
      return normalizeEvent(rest, 0);
    });
    await log.append(file);
    await log.append(file);
    // What the API stores for the first line sent again without an id (the same derived id).
    const { id: _id, ...line } = event(0);
    await log.append(normaliseEvents([line], {}, null, 0));
    await log.append([event(500)]);
    const snapshot = await takeSnapshot(log, new UpstashCatalogue(redis), { chunk: 4 });
    expect(snapshot).toMatchObject({ duplicates: 13, skipped: 0 });
    expect(snapshot.events.length).toBe(13);
    const back = [...snapshot.events.events()].map(({ id: _, ...e }) => e);
    const original = [...file, event(500)].map(({ id: _, ...e }) => e);
    expect(back).toEqual(original);
  });

  it("deletes an erased user's events logged before the erasure and keeps later ones", async () => {
    const log = new UpstashEventLog(redis, 5);
    const state = new UpstashStateStore(stack.redisRest);
    // u3 has events 3 and 10; it also has online state and a top-N list of one version.
    await log.append(Array.from({ length: 14 }, (_, i) => event(i)));
    await redis.set(redisKeys.recent('u3'), '[]');
    await redis.set(redisKeys.userVector('u4'), '{}');
    await redis.zadd(redisKeys.versions, { score: 1, member: 'v1' });
    await redis.set(redisKeys.version('v1').topN('u3'), '{}');
    await redis.set(redisKeys.version('v1').topN('u4'), '{}');
    // A batch writing version v2 holds the lock: its list of u3 goes too.
    await redis.set(redisKeys.batchLock, 'v2');
    await redis.set(redisKeys.version('v2').topN('u3'), '{}');
    const erased = await state.eraseUser('u3');
    expect(erased).toMatchObject({
      versions: ['v1', 'v2'],
      keysDeleted: 3,
      logPosition: await log.lastId(),
    });
    expect(await redis.exists(redisKeys.userVector('u4'), redisKeys.version('v1').topN('u4'))).toBe(
      2,
    );
    expect(await log.erasures()).toEqual(new Map([['u3', erased.logPosition]]));
    // Back after the erasure: a new event of u3, logged later, is kept.
    await log.append([{ ...event(17), userId: 'u3' }]);

    const snapshot = await takeSnapshot(log, new UpstashCatalogue(redis), { chunk: 4 });
    expect(snapshot).toMatchObject({ erased: 2, duplicates: 0, skipped: 0 });
    // The snapshot's columns keep no ids: each test event's number is in its timestamp.
    const numbers = (userId: string) =>
      [...snapshot.events.events()]
        .filter((e) => e.userId === userId)
        .map((e) => e.timestamp - event(0).timestamp);
    expect(numbers('u3')).toEqual([17]);
    expect(numbers('u4')).toEqual([4, 11]);
    expect(await log.length()).toBe(13);
    expect(await log.erasures()).toEqual(new Map());
  });

  it('takes an erasure off the list only if the user was not erased again since', async () => {
    const log = new UpstashEventLog(redis);
    // u1 was erased again (log at 9-0) after the snapshot read the list (5-0).
    await redis.hset(redisKeys.erasures, { u1: '9-0', u2: '5-0' });
    await log.settleErasures(
      new Map([
        ['u1', '5-0'],
        ['u2', '5-0'],
      ]),
    );
    expect(await log.erasures()).toEqual(new Map([['u1', '9-0']]));
  });
});

describe('UpstashCatalogue', () => {
  it('puts and reads items, and clears only covered fresh items created before a time', async () => {
    const catalogue = new UpstashCatalogue(redis, 3);
    const items = Array.from({ length: 8 }, (_, i) => ({
      itemId: `i${i}`,
      categories: [`c${i % 2}`],
      tags: [],
      createdAt: 1000 + i,
      hidden: false,
      attributes: {},
      updatedAt: 1000 + i,
    }));
    await catalogue.put(items);
    expect(await catalogue.count()).toBe(8);
    expect((await catalogue.all()).sort((a, b) => a.createdAt - b.createdAt)).toEqual(items);
    await redis.zadd(
      redisKeys.freshItems,
      { score: 1000, member: 'i0' },
      { score: 1001, member: 'i1' },
      { score: 5000, member: 'i7' },
    );
    // i1 is not covered by the model; i7 was created after the snapshot.
    expect(await catalogue.clearFresh(['i0', 'i7'], 2000)).toBe(1);
    expect(await redis.zrange(redisKeys.freshItems, 0, -1)).toEqual(['i1', 'i7']);
  });
});

describe('UpstashVersionStore', () => {
  const store = () => new UpstashVersionStore(redis, { writeChunk: 4, scanCount: 5 });

  it('flips atomically, keeps the previous version and rolls back once', async () => {
    const s = store();
    expect(await s.pointer()).toEqual({ current: null, previous: null });
    expect(await s.rollback()).toBeNull();
    expect(await s.flip('a', 1)).toEqual({ current: 'a', previous: null });
    expect(await s.flip('b', 2)).toEqual({ current: 'b', previous: 'a' });
    expect(await s.flip('b', 3)).toEqual({ current: 'b', previous: 'a' });
    expect(await s.versions()).toEqual([
      { version: 'a', createdAt: 1 },
      { version: 'b', createdAt: 2 },
    ]);
    expect(await s.rollback()).toEqual({ current: 'a', previous: null });
    expect(await s.pointer()).toEqual({ current: 'a', previous: null });
    expect((await s.versions()).map((v) => v.version)).toEqual(['a']);
    expect(await s.rollback()).toBeNull();
  });

  it('flips for a lock holder only while it holds the lock', async () => {
    const s = store();
    await s.flip('a', 1);
    await expect(s.flip('b', 2, 'run-1')).rejects.toThrow(/LOCKLOST/);
    expect(await s.pointer()).toEqual({ current: 'a', previous: null });
    expect(await s.acquireLock('run-1', 10_000)).toBe(true);
    expect(await s.flip('b', 2, 'run-1')).toEqual({ current: 'b', previous: 'a' });
  });

  it('locks: one holder, refresh and release by the holder only, expiry frees it', async () => {
    const s = store();
    expect(await s.acquireLock('r1', 300)).toBe(true);
    expect(await s.acquireLock('r2', 300)).toBe(false);
    expect(await s.lockHolder()).toBe('r1');
    expect(await s.refreshLock('r2', 10_000)).toBe(false);
    expect(await s.releaseLock('r2')).toBe(false);
    expect(await s.refreshLock('r1', 300)).toBe(true);
    await new Promise((r) => setTimeout(r, 450));
    expect(await s.lockHolder()).toBeNull();
    expect(await s.refreshLock('r1', 300)).toBe(false);
    expect(await s.acquireLock('r2', 10_000)).toBe(true);
    expect(await s.releaseLock('r1')).toBe(false);
    expect(await s.releaseLock('r2')).toBe(true);
    expect(await s.lockHolder()).toBeNull();
  });

  it('saves run reports and lists the newest first', async () => {
    const s = store();
    const run = (id: string, startedAt: number): BatchRunReport => ({
      runId: id,
      state: 'running',
      trigger: 'cli',
      version: id,
      startedAt,
      stages: [],
    });
    await s.saveRun(run('old', Date.now() - 2000));
    await s.saveRun(run('new', Date.now() - 1000));
    await s.saveRun({ ...run('old', Date.now() - 2000), state: 'failed', error: 'x' });
    expect((await s.recentRuns(10)).map((r) => [r.runId, r.state])).toEqual([
      ['new', 'running'],
      ['old', 'failed'],
    ]);
    expect((await s.getRun('old'))!.error).toBe('x');
    expect(await s.getRun('missing')).toBeNull();
  });

  it('writes versioned outputs, counts them and deletes only the versions asked for', async () => {
    const s = store();
    const record = (v: string, u: string): TopNRecord => ({
      version: v,
      userId: u,
      items: [['i1', 0.5]],
      vector: [0.1, 0.2],
      seen: ['i0'],
      categoryAffinity: { c: 1 },
    });
    for (const v of ['v1', 'v2']) {
      expect(
        await s.writeTopN(
          v,
          ['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => record(v, u)),
        ),
      ).toBe(5);
      expect(await s.writeNeighbours(v, [['i1', [{ itemId: 'i2', score: 0.9 }]]])).toBe(1);
      expect(await s.writePopular(v, undefined, [{ itemId: 'i1', score: 3 }])).toBe(1);
      expect(await s.writePopular(v, 'c', [{ itemId: 'i1', score: 3 }])).toBe(1);
      await s.writeItemFactors(v, Float32Array.from([1, -2, 3.5, 0]));
    }
    expect(await s.readTopN('v1', 'u3')).toEqual(record('v1', 'u3'));
    expect(await s.readPopular('v1', 'c')).toEqual([{ itemId: 'i1', score: 3 }]);
    expect(await s.readNeighbours('v2', 'i1')).toEqual([{ itemId: 'i2', score: 0.9 }]);
    expect(Array.from((await s.readItemFactors('v2'))!)).toEqual([1, -2, 3.5, 0]);
    expect(await s.countKeys('v1')).toEqual({
      topN: 5,
      neighbours: 1,
      popular: 2,
      manifest: 0,
      itemFactors: 1,
    });
    expect(await s.deleteVersions(['v1'])).toBe(9);
    expect(await s.countKeys('v1')).toEqual({
      topN: 0,
      neighbours: 0,
      popular: 0,
      manifest: 0,
      itemFactors: 0,
    });
    expect((await s.countKeys('v2')).topN).toBe(5);
    expect(await s.readManifest('v1')).toBeNull();
  });
});
