/** Port: an approximate nearest-neighbour index of item vectors with filterable metadata. */

/** Metadata stored with each item vector; the ANN source filters on it. */
export interface ItemVectorMetadata {
  categories: string[];
  /** ms since epoch. */
  createdAt: number;
  popularity: number;
  /** True for a provisional vector of an item added after the last batch. */
  provisional?: boolean;
}

export interface VectorRecord {
  id: string;
  vector: number[];
  metadata?: ItemVectorMetadata;
}

export interface VectorMatch {
  id: string;
  score: number;
  metadata?: ItemVectorMetadata;
}

export interface VectorQuery {
  vector: number[];
  topK: number;
  /** A filter in the Upstash Vector filter language, e.g. `categories CONTAINS 'drama'`. */
  filter?: string;
  includeMetadata?: boolean;
}

/** The metadata filter that keeps the items of `category` (quotes escaped). */
export function categoryFilter(category: string): string {
  return `categories CONTAINS '${category.replace(/'/g, "\\'")}'`;
}

export interface VectorIndex {
  /** Inserts or replaces records in `namespace`, in batches the adapter chooses. */
  upsert(namespace: string, records: VectorRecord[]): Promise<void>;
  query(namespace: string, query: VectorQuery): Promise<VectorMatch[]>;
  /** Returns the records of `ids` in order, null for a missing id. */
  fetch(namespace: string, ids: string[]): Promise<(VectorRecord | null)[]>;
  delete(namespace: string, ids: string[]): Promise<number>;
  /** Removes a whole namespace (garbage collection of an old version); no error when absent. */
  dropNamespace(namespace: string): Promise<void>;
  /** Number of vectors in `namespace` (0 when absent). */
  count(namespace: string): Promise<number>;
}
