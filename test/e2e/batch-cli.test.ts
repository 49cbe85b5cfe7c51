/**
 * `npm run batch` and `npm run import` as processes against a private set of servers: a run that
 * succeeds, and a run SIGKILLed after its outputs were written but before the flip — which must
 * leave the served version and its outputs untouched and be garbage-collected by the next run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../local/demo/generate';
import { UpstashVectorIndex } from '../../shared/adapters/upstash-vector-index';
import { createRedisClient, type Redis } from '../../shared/adapters/upstash-redis-client';
import { UpstashVersionStore } from '../../shared/adapters/upstash-version-store';
import { redisKeys, vectorNamespace } from '../../shared/keys';
import { startBatchStack, type BatchStack } from '../../batch/private-servers';

const DIMS = 16;
let stack: BatchStack;
let redis: Redis;
let store: UpstashVersionStore;
let vectors: UpstashVectorIndex;
let dir: string;

/** Runs a repository script as one Node process (no npx/tsx wrapper, so a kill reaches it). */
function spawnScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      EDGEREC_SETTINGS_FILE: 'none',
      ...stack.env,
      ...env,
    } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function run(script: string, args: string[], env: Record<string, string> = {}) {
  const child = spawnScript(script, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

const repo = (path: string) => join(process.cwd(), path);

beforeAll(async () => {
  stack = await startBatchStack(DIMS);
  redis = createRedisClient(stack.redisRest);
  store = new UpstashVersionStore(redis);
  vectors = new UpstashVectorIndex(stack.vectorRest);
  dir = mkdtempSync(join(tmpdir(), 'edgerec-batch-cli-'));
  const demo = generateDemo({ seed: 5, users: 60, items: 80, events: 2500 });
  const csv = ['userId,itemId,type,value,timestamp,sessionId'];
  for (const e of demo.events)
    csv.push([e.userId, e.itemId, e.type, e.value ?? '', e.timestamp, e.sessionId].join(','));
  writeFileSync(join(dir, 'events.csv'), `${csv.join('\n')}\n`);
});

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('batch command line', () => {
  let served = '';

  it('imports a CSV file of events into the event log', async () => {
    const result = await run(repo('batch/import-cli.ts'), [
      '--format',
      'csv',
      '--file',
      join(dir, 'events.csv'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ events: 2500, skipped: 0 });
    expect(await redis.xlen(redisKeys.eventLog)).toBe(2500);
  });

  it('runs the batch, prints the summary and flips to the new version', async () => {
    const result = await run(repo('batch/cli.ts'), ['--no-tune', '--model', 'als', '--seed', '3']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^stage\s+ms\s+detail/m);
    expect(result.stdout).toMatch(/: succeeded/);
    expect(result.stderr).toMatch(/write\s+\[#+\]\s+100%/);
    served = (await store.pointer()).current!;
    expect(served).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect((await store.getRun(served))!.trigger).toBe('cli');
    expect(await vectors.count(vectorNamespace(served))).toBe(
      (await store.readManifest(served))!.itemIds.length,
    );
  });

  it('a run killed after writing its outputs, before the flip, changes nothing that is served', async () => {
    const manifestBefore = await redis.get(redisKeys.version(served).manifest);
    const countsBefore = await store.countKeys(served);
    const child = spawnScript(repo('batch/cli.ts'), ['--no-tune', '--model', 'als'], {
      EDGEREC_BATCH_PAUSE_BEFORE_FLIP_MS: '120000',
      EDGEREC_BATCH_LOCK_TTL_MS: '1500',
    });
    let stderr = '';
    const paused = new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const match = /pausing before flip: version (\S+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) =>
        reject(new Error(`batch exited (${code}) before pausing: ${stderr}`)),
      );
    });
    const killedVersion = await paused;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    // Its outputs are complete in Redis and the vector index, yet nothing points at them.
    expect((await store.countKeys(killedVersion)).manifest).toBe(1);
    expect(await vectors.count(vectorNamespace(killedVersion))).toBeGreaterThan(0);
    expect((await store.pointer()).current).toBe(served);
    expect(await redis.get(redisKeys.version(served).manifest)).toBe(manifestBefore);
    expect(await store.countKeys(served)).toEqual(countsBefore);
    expect((await store.getRun(killedVersion))!.state).toBe('running');

    // Once its lock has expired, the next run marks it interrupted and collects its outputs.
    await new Promise((r) => setTimeout(r, 1600));
    const next = await run(repo('batch/cli.ts'), ['--no-tune', '--model', 'als']);
    expect(next.code, next.stderr).toBe(0);
    const pointer = await store.pointer();
    expect(pointer.previous).toBe(served);
    expect(pointer.current).not.toBe(killedVersion);
    expect((await store.getRun(killedVersion))!).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/interrupted/),
    });
    expect(await store.countKeys(killedVersion)).toEqual({
      topN: 0,
      neighbours: 0,
      popular: 0,
      manifest: 0,
      itemFactors: 0,
    });
    expect(await vectors.count(vectorNamespace(killedVersion))).toBe(0);
    expect(await store.countKeys(served)).toEqual(countsBefore);
  });

  it('exits 3 while another run holds the lock, and 1 with a clear message on bad options', async () => {
    expect(await store.acquireLock('someone-else', 30_000)).toBe(true);
    const locked = await run(repo('batch/cli.ts'), ['--no-tune']);
    expect(locked.code).toBe(3);
    expect(locked.stderr).toMatch(/someone-else/);
    expect(await store.releaseLock('someone-else')).toBe(true);
    const bad = await run(repo('batch/cli.ts'), ['--model', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--model must be/);
  });
});
