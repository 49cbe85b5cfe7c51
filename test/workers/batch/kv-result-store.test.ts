import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { KvOperationBudget, KvResultStore } from '../../../shared/adapters/kv-result-store';
import type { ModelManifest, TopNRecord } from '../../../shared/domain/artefacts';
import { kvKeys } from '../../../shared/keys';

const record = (version: string, userId: string): TopNRecord => ({
  version,
  userId,
  items: [['i1', 0.5]],
  vector: [0.25, -1],
  seen: [],
  categoryAffinity: {},
});

const manifest = (version: string) =>
  ({ version, itemIds: ['i1'], dims: 2 }) as unknown as ModelManifest;

describe('KvResultStore', () => {
  it('writes as much as the operation budget grants, in the order given', async () => {
    const kv = new KvResultStore(env.RESULTS, { budget: new KvOperationBudget(5) });
    const users = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(
      await kv.writeTopN(
        'kv1',
        users.map((u) => record('kv1', u)),
      ),
    ).toBe(5);
    expect(kv.budget.remaining).toBe(0);
    expect(await env.RESULTS.get(kvKeys.topN('kv1', 'e'), 'json')).toEqual(record('kv1', 'e'));
    expect(await env.RESULTS.get(kvKeys.topN('kv1', 'f'))).toBeNull();
    await expect(kv.writeManifest('kv1', manifest('kv1'))).rejects.toThrow(/budget exhausted/);
  });

  it('round-trips the manifest and item factors and sets the pointer without expiry', async () => {
    const kv = new KvResultStore(env.RESULTS);
    await kv.writeManifest('kv2', manifest('kv2'));
    await kv.writeItemFactors('kv2', Float32Array.from([1.5, -2]));
    expect(await kv.readManifest('kv2')).toEqual(manifest('kv2'));
    expect(Array.from((await kv.readItemFactors('kv2'))!)).toEqual([1.5, -2]);
    expect(await kv.setCurrent({ version: 'kv2', flippedAt: 7 })).toBe(true);
    expect(await kv.current()).toEqual({ version: 'kv2', flippedAt: 7 });
    const listed = await env.RESULTS.list({ prefix: kvKeys.versionPrefix('kv2') });
    expect(listed.keys.every((k) => typeof k.expiration === 'number')).toBe(true);
    expect(
      (await env.RESULTS.list({ prefix: kvKeys.current })).keys[0]!.expiration,
    ).toBeUndefined();
  });

  it('deletes versions as far as the budget allows and says whether it finished', async () => {
    const setup = new KvResultStore(env.RESULTS);
    await setup.writeTopN(
      'kv3',
      ['a', 'b', 'c', 'd'].map((u) => record('kv3', u)),
    );
    await setup.writeTopN(
      'kv4',
      ['a'].map((u) => record('kv4', u)),
    );
    // 1 list + 2 deletes: kv3 is only half deleted.
    const short = new KvResultStore(env.RESULTS, { budget: new KvOperationBudget(3) });
    expect(await short.deleteVersions(['kv3', 'kv4'])).toEqual({ deleted: 2, complete: false });
    const full = new KvResultStore(env.RESULTS);
    expect(await full.deleteVersions(['kv3', 'kv4'])).toEqual({ deleted: 3, complete: true });
    expect((await env.RESULTS.list({ prefix: 'v/kv3/' })).keys).toHaveLength(0);
    expect((await env.RESULTS.list({ prefix: 'v/kv4/' })).keys).toHaveLength(0);
  });
});
