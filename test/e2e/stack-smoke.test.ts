/**
 * The whole system as `npm start` runs it (redis-server, both Upstash REST servers, both workers in
 * wrangler dev), with a small demo: it answers, recommends to a demo user, stops without leaving a
 * process or a port behind, and keeps keys and data across a restart.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../local/demo/generate';
import { isPortFree } from '../../local/ports';
import { groupAlive } from '../../local/process-group';
import { startStack, type DemoSize, type RunningStack, type StackOptions } from '../../local/stack';
import { lockPath } from '../../local/stack-lock';
import { allocateStackPorts, isolatedEnv } from './stack-env';

const DEMO: DemoSize = { seed: 11, items: 300, users: 50, events: 5000 };
const stateDir = mkdtempSync(join(tmpdir(), 'edgerec-smoke-'));
let options: StackOptions;
const baseOptions: Omit<StackOptions, 'ports'> = {
  stateDir,
  demo: DEMO,
  env: isolatedEnv(),
  log: (message) => console.log(`[smoke] ${message}`),
};
const demoItemIds = new Set(generateDemo(DEMO).items.map((i) => i.itemId));

interface Recommendations {
  userId: string;
  modelVersion: string;
  items: { itemId: string; score: number; sources: string[] }[];
}

async function recommend(stack: RunningStack, userId: string, key: string) {
  return fetch(`${stack.urls.api}/v1/users/${encodeURIComponent(userId)}/recommendations?k=10`, {
    headers: { authorization: `Bearer ${key}` },
  });
}

/** Stops the stack and checks that no process group, port or lock of it is left. */
async function stopAndCheckNothingLeft(stack: RunningStack): Promise<void> {
  const groups = stack.processGroups();
  expect(groups.length).toBeGreaterThanOrEqual(3);
  await stack.stop();
  for (const pid of groups) expect(groupAlive(pid), `process group ${pid}`).toBe(false);
  for (const [name, port] of Object.entries(options.ports)) {
    expect(await isPortFree(port), `${name} port ${port}`).toBe(true);
  }
  expect(existsSync(lockPath(stateDir))).toBe(false);
}

describe('the local stack (npm start)', () => {
  let first: RunningStack;
  let firstVersion: string;

  beforeAll(async () => {
    options = { ...baseOptions, ports: await allocateStackPorts() };
    first = await startStack(options);
  }, 600_000);

  afterAll(async () => {
    await first?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('answers GET /health', async () => {
    const response = await fetch(`${first.urls.api}/health`);
    expect(response.status).toBe(200);
  });

  it('loaded the demo on first start and serves recommendations to a demo user at once', async () => {
    expect(first.firstStart).toBe(true);
    expect(first.demo).toMatchObject({ present: true, loadedNow: true, size: DEMO });
    const userId = first.demo.sampleUserIds![0]!;
    const response = await recommend(first, userId, first.keys.read);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Recommendations;
    expect(body.userId).toBe(userId);
    expect(body.modelVersion).toBe(first.demo.version);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.length).toBeLessThanOrEqual(10);
    for (const item of body.items) expect(demoItemIds.has(item.itemId)).toBe(true);
    expect(new Set(body.items.map((i) => i.itemId)).size).toBe(body.items.length);
    firstVersion = body.modelVersion;
  });

  it('enforces the scopes of the local keys', async () => {
    const userId = first.demo.sampleUserIds![0]!;
    expect((await recommend(first, userId, first.keys.write)).status).toBe(403);
    expect((await recommend(first, userId, 'not-a-key')).status).toBe(401);
    expect((await recommend(first, userId, first.keys.admin)).status).toBe(200);
  });

  it('stops every process and frees every port', async () => {
    await stopAndCheckNothingLeft(first);
  }, 60_000);

  it('keeps keys and data across a restart on the same state directory', async () => {
    const second = await startStack(options);
    try {
      expect(second.firstStart).toBe(false);
      expect(second.keys).toEqual(first.keys);
      expect(second.demo).toMatchObject({ present: true, loadedNow: false, version: firstVersion });
      const userId = second.demo.sampleUserIds![0]!;
      const response = await recommend(second, userId, second.keys.read);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Recommendations;
      expect(body.modelVersion).toBe(firstVersion);
      expect(body.items.length).toBeGreaterThan(0);
    } finally {
      await stopAndCheckNothingLeft(second);
    }
  }, 300_000);
});
