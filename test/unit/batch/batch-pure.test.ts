import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, parseEnvFile } from '../../../batch/env-file';
import { renderProgress } from '../../../batch/progress-bar';
import { newRunId } from '../../../batch/run-id';
import {
  easeMaxItemsFor,
  estimateMemory,
  WORKER_LIMITS,
  workerCapacity,
  workerMaxEvents,
  workerRefusal,
  type RunSize,
} from '../../../batch/stages/platform-limits';
import {
  EventColumns,
  SeenIds,
  isStoredEvent,
  type Snapshot,
} from '../../../batch/stages/snapshot';
import { buildTrainingData } from '../../../batch/stages/training-data';
import { table } from '../../../batch/summary-table';
import {
  factorsFromBase64,
  factorsFromBytes,
  factorsToBase64,
  factorsToBytes,
} from '../../../shared/adapters/item-factors-codec';
import { DEFAULT_EVENT_WEIGHTS, type StoredEvent } from '../../../shared/domain/events';
import { easeBytes } from '../../../shared/training/ease';

const size = (over: Partial<RunSize> = {}): RunSize => ({
  events: 100_000,
  users: 943,
  items: 1682,
  nonZeros: 100_000,
  dims: 64,
  easeMaxItems: 0,
  ...over,
});

describe('platform limits', () => {
  it('estimates grow with every dimension of the data', () => {
    const base = estimateMemory(size()).total;
    expect(estimateMemory(size({ events: 200_000 })).total).toBeGreaterThan(base);
    expect(estimateMemory(size({ users: 10_000 })).total).toBeGreaterThan(base);
    expect(estimateMemory(size({ dims: 128 })).total).toBeGreaterThan(base);
    expect(estimateMemory(size({ easeMaxItems: 2000 })).terms.ease).toBe(easeBytes(1682));
  });

  it('lets a Worker train MovieLens-100K with EASE (one 1,682 × 1,682 matrix beside the rest)', () => {
    const budget = WORKER_LIMITS.memoryBytes * WORKER_LIMITS.plannedShare;
    const cap = easeMaxItemsFor(size(), budget);
    expect(cap).toBeGreaterThanOrEqual(1682);
    expect(workerRefusal(size({ easeMaxItems: cap }))).toBeNull();
    const withEase = estimateMemory(size({ easeMaxItems: cap }));
    expect(withEase.terms.ease).toBe(8 * 1682 * 1682);
    expect(withEase.total).toBeLessThanOrEqual(budget);
  });

  it('lets MovieLens-100K run in a Worker and refuses a million events with a pointer to the CLI', () => {
    expect(workerRefusal(size())).toBeNull();
    const refusal = workerRefusal(
      size({ events: 1_000_000, users: 50_000, items: 20_000, nonZeros: 900_000 }),
    );
    expect(refusal).toMatch(/npm run batch/);
    expect(refusal).toMatch(/1000000 events/);
  });

  it('picks an EASE cap that keeps the whole run inside the budget', () => {
    const budget = WORKER_LIMITS.memoryBytes * WORKER_LIMITS.plannedShare;
    const cap = easeMaxItemsFor(size(), budget);
    expect(cap).toBeGreaterThan(0);
    expect(
      estimateMemory(size({ items: Math.min(cap, 1682), easeMaxItems: cap })).total,
    ).toBeLessThanOrEqual(budget);
    expect(easeMaxItemsFor(size({ events: 5_000_000, nonZeros: 5_000_000 }), budget)).toBe(0);
  });

  it('refuses before reading only logs that cannot fit whatever their shape', () => {
    const max = workerMaxEvents();
    // Even with a single user and item, a few more events' columns overflow the budget (the slack
    // below the bound pays for that user's and item's own structures).
    const minimal = (n: number) => size({ events: n, users: 1, items: 1, nonZeros: 1, dims: 2 });
    expect(workerRefusal(minimal(max - 2_000))).toBeNull();
    expect(workerRefusal(minimal(max + 100))).not.toBeNull();
  });

  it('states the largest typical data set a Worker run holds', () => {
    const cap = workerCapacity(64);
    expect(cap.events).toBeGreaterThan(100_000);
    expect(cap.users).toBeGreaterThan(943);
    expect(workerRefusal(size({ ...cap, nonZeros: Math.ceil(cap.events * 0.9) }))).toBeNull();
    expect(workerCapacity(256).events).toBeLessThan(cap.events);
  });
});

describe('snapshot columns and training data', () => {
  const events: StoredEvent[] = [
    { id: '1', userId: 'u1', itemId: 'a', type: 'view', timestamp: 10 },
    { id: '2', userId: 'u1', itemId: 'a', type: 'click', timestamp: 20 },
    { id: '3', userId: 'u2', itemId: 'b', type: 'rating', value: 4, timestamp: 5 },
    { id: '4', userId: 'u2', itemId: 'c', type: 'dislike', timestamp: 30 },
  ];

  it('keeps events in columns and gives them back unchanged (ids aside)', () => {
    const cols = new EventColumns();
    for (let i = 0; i < 3000; i++) cols.push(events[i % 4]!);
    expect(cols.length).toBe(3000);
    const back = [...cols.events()].slice(0, 4);
    expect(back).toEqual(events.map((e) => ({ ...e, id: '' })));
    expect(cols.firstSeen().get('a')).toBe(10);
  });

  it('knows the event ids it has seen, across table growth', () => {
    const seen = new SeenIds();
    const ids = Array.from({ length: 20_000 }, (_, i) => `d-${i.toString(16).padStart(32, '0')}`);
    expect(ids.every((id) => seen.add(id))).toBe(true);
    expect(ids.every((id) => !seen.add(id))).toBe(true);
    expect(seen.add('imp-0')).toBe(true);
    expect(seen.bytes()).toBeLessThanOrEqual(20_001 * 32);
  });

  it('rejects entries without the fields training needs', () => {
    expect(isStoredEvent(events[0])).toBe(true);
    expect(isStoredEvent({ ...events[0], timestamp: 'x' })).toBe(false);
    expect(isStoredEvent({ ...events[0], value: Number.NaN })).toBe(false);
    expect(isStoredEvent(null)).toBe(false);
  });

  it('builds weighted interactions and item facts from the catalogue, falling back to first events', () => {
    const cols = new EventColumns();
    events.forEach((e) => cols.push(e));
    const snapshot: Snapshot = {
      lastId: '1-0',
      events: cols,
      skipped: 0,
      duplicates: 0,
      erased: 0,
      items: [
        {
          itemId: 'a',
          categories: ['x'],
          tags: [],
          createdAt: 1,
          hidden: false,
          attributes: {},
          updatedAt: 1,
        },
      ],
    };
    const data = buildTrainingData(snapshot, DEFAULT_EVENT_WEIGHTS);
    const { interactions: x } = data;
    expect(x.itemIds.sort()).toEqual(['a', 'b']); // the dislike weighs 0 and is dropped
    const a = x.itemIds.indexOf('a');
    expect(data.items[a]).toEqual({ categories: ['x'], createdAt: 1, popularity: 3 });
    const b = x.itemIds.indexOf('b');
    expect(data.items[b]).toEqual({ categories: [], createdAt: null, popularity: 4 });
    expect(data.createdAt[b]).toBe(5);
  });
});

describe('small helpers', () => {
  it('round-trips item factors through bytes and base64', () => {
    const f = Float32Array.from([0, 1.5, -2.25, 3.4028234663852886e38, 1e-30]);
    expect(factorsFromBase64(factorsToBase64(f))).toEqual(f);
    expect(factorsFromBytes(factorsToBytes(f))).toEqual(f);
    expect(() => factorsFromBytes(new Uint8Array(3))).toThrow(RangeError);
    const big = new Float32Array(100_000).map((_, i) => i / 7);
    const back = factorsFromBase64(factorsToBase64(big));
    expect(back.length).toBe(big.length);
    expect(back.every((v, i) => v === big[i])).toBe(true);
  });

  it('makes sortable run ids safe in keys', () => {
    const id = newRunId(Date.UTC(2026, 3, 28, 12, 0, 5));
    expect(id).toMatch(/^20260428-120005-[0-9a-f]{6}$/);
    expect(newRunId(0)).not.toBe(newRunId(0));
  });

  it('parses .dev.vars as wrangler writes it', () => {
    expect(
      parseEnvFile(
        `# comment\nA='{"x":"y"}'\nB="line\\nbreak"\nC=plain # note\n\nexport D=4\nbad line`,
      ),
    ).toEqual({ A: '{"x":"y"}', B: 'line\nbreak', C: 'plain', D: '4' });
  });

  it('takes settings from the first .dev.vars found, overridden by the environment', () => {
    const root = mkdtempSync(join(tmpdir(), 'edgerec-settings-'));
    try {
      mkdirSync(join(root, 'state', 'workers'), { recursive: true });
      writeFileSync(
        join(root, 'state', 'workers', '.dev.vars'),
        "UPSTASH_REDIS_REST_URL='http://a'\nEDGEREC_DIMS='8'\n",
      );
      const env = {
        EDGEREC_STATE_DIR: 'state',
        UPSTASH_REDIS_REST_URL: 'http://b',
        OTHER: 'x',
      } as unknown as NodeJS.ProcessEnv;
      const { vars, source } = loadSettings(root, env);
      expect(vars).toMatchObject({ UPSTASH_REDIS_REST_URL: 'http://b', EDGEREC_DIMS: '8' });
      expect(vars.OTHER).toBeUndefined();
      expect(source).toContain(join('state', 'workers', '.dev.vars'));
      const only = loadSettings(root, { ...env, EDGEREC_SETTINGS_FILE: 'none' });
      expect(only.vars.EDGEREC_DIMS).toBeUndefined();
      expect(only.source).toBe('environment');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('renders progress and tables', () => {
    expect(renderProgress('write', 5, 10)).toMatch(/^write\s+\[#{15}\.{15}\]\s+50%\s+5\/10$/);
    expect(renderProgress('x', 0, 0)).toContain('100%');
    expect(
      table([
        ['a', 'bb'],
        ['ccc', 'd'],
      ]),
    ).toBe('a    bb\nccc  d');
  });
});
