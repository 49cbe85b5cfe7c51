/**
 * The edge's read side of versioned outputs: Workers KV first (replicated to every location,
 * written by the batch as far as its KV budget allowed), Redis (the source of truth) second.
 */
import type { ModelManifest, ScoredItem, TopNRecord } from '../domain/artefacts';
import { StoreError } from '../errors';
import { kvKeys } from '../keys';
import type { ResultReader } from '../ports/result-store';
import { factorsFromBytes } from './item-factors-codec';

/** The reads the edge needs (a subset of the batch's `ResultReader`). */
export type EdgeResultReader = Pick<
  ResultReader,
  'readManifest' | 'readTopN' | 'readNeighbours' | 'readItemFactors'
>;

/** Reads the KV copy only; a missing key is null, a failing KV a `StoreError('kv')`. */
export class KvResultReader implements EdgeResultReader {
  constructor(private readonly kv: KVNamespace) {}

  /** The KV copy of the version pointer. */
  async readCurrent(): Promise<string | null> {
    const pointer = await this.get(kvKeys.current, (k) =>
      this.kv.get<{ version: string }>(k, 'json'),
    );
    return pointer?.version ?? null;
  }

  async readManifest(version: string): Promise<ModelManifest | null> {
    return this.get(kvKeys.manifest(version), (k) => this.kv.get<ModelManifest>(k, 'json'));
  }

  async readTopN(version: string, userId: string): Promise<TopNRecord | null> {
    return this.get(kvKeys.topN(version, userId), (k) => this.kv.get<TopNRecord>(k, 'json'));
  }

  async readNeighbours(version: string, itemId: string): Promise<ScoredItem[] | null> {
    return this.get(kvKeys.neighbours(version, itemId), (k) =>
      this.kv.get<ScoredItem[]>(k, 'json'),
    );
  }

  async readItemFactors(version: string): Promise<Float32Array | null> {
    const buffer = await this.get(kvKeys.itemFactors(version), (k) =>
      this.kv.get(k, 'arrayBuffer'),
    );
    return buffer === null ? null : factorsFromBytes(new Uint8Array(buffer));
  }

  private async get<T>(key: string, read: (key: string) => Promise<T | null>): Promise<T | null> {
    try {
      return await read(key);
    } catch (error) {
      throw new StoreError('kv', `KV read failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** KV first; on a miss (or a failing KV) the Redis copy. */
export class FallbackResultReader implements EdgeResultReader {
  constructor(
    private readonly primary: EdgeResultReader,
    private readonly secondary: EdgeResultReader,
  ) {}

  readManifest(version: string) {
    return this.either((r) => r.readManifest(version));
  }
  readTopN(version: string, userId: string) {
    return this.either((r) => r.readTopN(version, userId));
  }
  readNeighbours(version: string, itemId: string) {
    return this.either((r) => r.readNeighbours(version, itemId));
  }
  readItemFactors(version: string) {
    return this.either((r) => r.readItemFactors(version));
  }

  private async either<T>(read: (r: EdgeResultReader) => Promise<T | null>): Promise<T | null> {
    const first = await read(this.primary).catch(() => null);
    return first ?? (await read(this.secondary));
  }
}
