/**
 * Port: where one version's outputs are written and read back for verification. The Redis store
 * is the source of truth; the Workers KV store holds a read-mostly copy for the edge.
 */
import type { ModelManifest, ScoredItem, TopNRecord } from '../domain/artefacts';

/** How many records a writer stored, per kind (verification compares them with what was asked). */
export interface WriteCounts {
  topN: number;
  neighbours: number;
  popular: number;
  manifest: number;
  itemFactors: number;
}

export interface ResultWriter {
  writeTopN(version: string, records: readonly TopNRecord[]): Promise<number>;
  /** Deletes the top-N lists of `userIds` (users erased while the version was written). */
  deleteTopN(version: string, userIds: readonly string[]): Promise<void>;
  writeNeighbours(version: string, lists: readonly [string, ScoredItem[]][]): Promise<number>;
  /** `category` undefined writes the global list. */
  writePopular(version: string, category: string | undefined, list: ScoredItem[]): Promise<number>;
  writeManifest(version: string, manifest: ModelManifest): Promise<void>;
  /** Row-major `itemIds.length × dims` little-endian Float32. */
  writeItemFactors(version: string, factors: Float32Array): Promise<void>;
}

export interface ResultReader {
  readManifest(version: string): Promise<ModelManifest | null>;
  readTopN(version: string, userId: string): Promise<TopNRecord | null>;
  readNeighbours(version: string, itemId: string): Promise<ScoredItem[] | null>;
  readPopular(version: string, category?: string): Promise<ScoredItem[] | null>;
  readItemFactors(version: string): Promise<Float32Array | null>;
  /** Number of stored keys of `version`, per kind (a full scan: verification and reports). */
  countKeys(version: string): Promise<WriteCounts>;
  /** Deletes every key of each version (garbage collection); returns the number deleted. */
  deleteVersions(versions: readonly string[]): Promise<number>;
}

/** A store that both writes and reads versioned outputs. */
export type ResultStore = ResultWriter & ResultReader;
