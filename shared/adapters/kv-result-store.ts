/**
 * The Workers KV copy of one version's outputs (`v/<version>/…`) and of the pointer (`current`).
 * KV allows 1,000 operations per Worker invocation (a bulk read counts once, every put and delete
 * counts), so every call draws on a shared `KvOperationBudget`: the batch copies what fits, in
 * the order it chooses (most active users first), and the edge falls back to Redis for the rest.
 */
import type { ModelManifest, ScoredItem, TopNRecord } from '../domain/artefacts';
import { kvKeys } from '../keys';
import type { ResultWriter } from '../ports/result-store';
import { factorsFromBytes, factorsToBytes } from './item-factors-codec';

/** Operations one Worker invocation may make against KV (Cloudflare's limit, free and paid plans). */
export const KV_OPERATIONS_PER_INVOCATION = 1000;

/** Counts KV operations against a limit shared by everything one invocation does. */
export class KvOperationBudget {
  private used = 0;
  constructor(readonly limit: number = KV_OPERATIONS_PER_INVOCATION) {}
  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }
  /** Grants up to `n` operations and returns how many were granted. */
  take(n: number): number {
    const granted = Math.min(n, this.remaining);
    this.used += granted;
    return granted;
  }
}

/** The JSON stored at KV `current`. */
export interface KvPointer {
  version: string;
  flippedAt: number;
}

export interface KvResultStoreOptions {
  budget?: KvOperationBudget;
  /**
   * Versioned keys expire after this long (seconds), a safety net: if the batch stops running, stale
   * copies disappear and the edge reads Redis; GC deletes older versions long before that.
   */
  ttlSeconds?: number;
  /** Puts in flight at once (workerd allows 6 simultaneous connections per invocation). */
  concurrency?: number;
}

export class KvResultStore implements ResultWriter {
  readonly budget: KvOperationBudget;
  private readonly ttlSeconds: number;
  private readonly concurrency: number;

  constructor(
    private readonly kv: KVNamespace,
    options: KvResultStoreOptions = {},
  ) {
    this.budget = options.budget ?? new KvOperationBudget();
    this.ttlSeconds = options.ttlSeconds ?? 14 * 24 * 3600;
    this.concurrency = options.concurrency ?? 6;
  }

  async writeTopN(version: string, records: readonly TopNRecord[]): Promise<number> {
    return this.putMany(records.map((r) => [kvKeys.topN(version, r.userId), JSON.stringify(r)]));
  }

  async deleteTopN(version: string, userIds: readonly string[]): Promise<void> {
    const granted = this.budget.take(userIds.length);
    if (granted < userIds.length) {
      throw new Error('KV operation budget exhausted before the erased users were deleted');
    }
    await this.inParallel([...userIds], (id) => this.kv.delete(kvKeys.topN(version, id)));
  }

  async writeNeighbours(
    version: string,
    lists: readonly [string, ScoredItem[]][],
  ): Promise<number> {
    return this.putMany(
      lists.map(([id, list]) => [kvKeys.neighbours(version, id), JSON.stringify(list)]),
    );
  }

  /** Popular lists are read from Redis only (the edge has no KV key for them). */
  async writePopular(): Promise<number> {
    return 0;
  }

  async writeManifest(version: string, manifest: ModelManifest): Promise<void> {
    if ((await this.putMany([[kvKeys.manifest(version), JSON.stringify(manifest)]])) !== 1) {
      throw new Error('KV operation budget exhausted before the manifest was written');
    }
  }

  async writeItemFactors(version: string, factors: Float32Array): Promise<void> {
    if ((await this.putMany([[kvKeys.itemFactors(version), factorsToBytes(factors)]])) !== 1) {
      throw new Error('KV operation budget exhausted before the item factors were written');
    }
  }

  async readManifest(version: string): Promise<ModelManifest | null> {
    if (this.budget.take(1) !== 1) return null;
    return await this.kv.get<ModelManifest>(kvKeys.manifest(version), 'json');
  }

  async readTopN(version: string, userId: string): Promise<TopNRecord | null> {
    if (this.budget.take(1) !== 1) return null;
    return await this.kv.get<TopNRecord>(kvKeys.topN(version, userId), 'json');
  }

  async readItemFactors(version: string): Promise<Float32Array | null> {
    if (this.budget.take(1) !== 1) return null;
    const buffer = await this.kv.get(kvKeys.itemFactors(version), 'arrayBuffer');
    return buffer === null ? null : factorsFromBytes(new Uint8Array(buffer));
  }

  async setCurrent(pointer: KvPointer): Promise<boolean> {
    return (await this.putMany([[kvKeys.current, JSON.stringify(pointer)]], false)) === 1;
  }

  async current(): Promise<KvPointer | null> {
    if (this.budget.take(1) !== 1) return null;
    return await this.kv.get<KvPointer>(kvKeys.current, 'json');
  }

  /**
   * Deletes the keys of `versions` as far as the budget allows (one list per 1,000 keys, one
   * delete per key). Returns the keys deleted and whether every listed version is now empty.
   */
  async deleteVersions(
    versions: readonly string[],
  ): Promise<{ deleted: number; complete: boolean }> {
    let deleted = 0;
    for (const version of versions) {
      let cursor: string | undefined;
      do {
        if (this.budget.take(1) !== 1) return { deleted, complete: false };
        const page = await this.kv.list({ prefix: kvKeys.versionPrefix(version), cursor });
        const names = page.keys.map((k) => k.name);
        const granted = this.budget.take(names.length);
        await this.inParallel(names.slice(0, granted), (name) => this.kv.delete(name));
        deleted += granted;
        if (granted < names.length) return { deleted, complete: false };
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor !== undefined);
    }
    return { deleted, complete: true };
  }

  /** Puts as many entries as the budget grants, in order; returns how many were written. */
  private async putMany(
    entries: readonly [string, string | Uint8Array][],
    expire = true,
  ): Promise<number> {
    const granted = this.budget.take(entries.length);
    const options = expire ? { expirationTtl: this.ttlSeconds } : {};
    await this.inParallel(entries.slice(0, granted), ([key, value]) =>
      this.kv.put(key, value, options),
    );
    return granted;
  }

  private async inParallel<T>(
    items: readonly T[],
    task: (item: T) => Promise<unknown>,
  ): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < items.length) await task(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, lane));
  }
}
