/** The `VectorIndex` port over Upstash Vector (or the local server speaking its protocol). */
import { Index } from '@upstash/vector/cloudflare';
import type {
  ItemVectorMetadata,
  VectorIndex,
  VectorMatch,
  VectorQuery,
  VectorRecord,
} from '../ports/vector-index';

/**
 * The client's metadata type must have an index signature, which an interface lacks; this
 * intersection is the same shape with one.
 */
type StoredMetadata = ItemVectorMetadata & Record<string, unknown>;

/** A failed vector-index operation; `cause` keeps the vendor error (e.g. `UpstashError`). */
export class VectorIndexError extends Error {
  override readonly name = 'VectorIndexError';

  constructor(
    /** The port method that failed, e.g. `query`. */
    readonly operation: keyof VectorIndex,
    readonly namespace: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`vector index ${operation} in namespace "${namespace}" failed: ${reason}`, options);
  }
}

/** Connection and batching settings. */
export interface UpstashVectorIndexOptions {
  url: string;
  token: string;
  /** Records per upsert request (Upstash accepts up to 1000; 500 keeps bodies ≈ 0.5 MB at 64-d). */
  upsertBatchSize?: number;
  /**
   * Client retries on network errors (never on HTTP errors). The vendor default (5 retries over
   * ≈ 4 s) is too slow for a request path, so this defaults to 2 quick retries.
   */
  retries?: number;
}

/** The bindings `fromEnv` reads (worker `env` or `process.env`). */
export interface UpstashVectorEnv {
  UPSTASH_VECTOR_REST_URL?: string;
  UPSTASH_VECTOR_REST_TOKEN?: string;
}

export class UpstashVectorIndex implements VectorIndex {
  private readonly index: Index<StoredMetadata>;
  private readonly upsertBatchSize: number;

  constructor(options: UpstashVectorIndexOptions) {
    this.upsertBatchSize = options.upsertBatchSize ?? 500;
    if (!Number.isInteger(this.upsertBatchSize) || this.upsertBatchSize < 1) {
      throw new RangeError(
        `upsertBatchSize must be a positive integer, got ${this.upsertBatchSize}`,
      );
    }
    const retries = options.retries ?? 2;
    this.index = new Index<StoredMetadata>({
      url: options.url,
      token: options.token,
      enableTelemetry: false,
      retry: { retries, backoff: (attempt) => 25 * 2 ** attempt },
    });
  }

  /** Builds the adapter from `UPSTASH_VECTOR_REST_URL` / `UPSTASH_VECTOR_REST_TOKEN`. */
  static fromEnv(
    env: UpstashVectorEnv,
    options: Omit<UpstashVectorIndexOptions, 'url' | 'token'> = {},
  ): UpstashVectorIndex {
    const url = env.UPSTASH_VECTOR_REST_URL;
    const token = env.UPSTASH_VECTOR_REST_TOKEN;
    if (!url || !token) {
      throw new Error('UPSTASH_VECTOR_REST_URL and UPSTASH_VECTOR_REST_TOKEN must both be set');
    }
    return new UpstashVectorIndex({ ...options, url, token });
  }

  async upsert(namespace: string, records: VectorRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += this.upsertBatchSize) {
      const batch = records
        .slice(start, start + this.upsertBatchSize)
        .map((r) =>
          r.metadata === undefined
            ? { id: r.id, vector: r.vector }
            : { id: r.id, vector: r.vector, metadata: { ...r.metadata } },
        );
      await this.call('upsert', namespace, () => this.index.upsert(batch, { namespace }));
    }
  }

  async query(namespace: string, query: VectorQuery): Promise<VectorMatch[]> {
    const hits = await this.call('query', namespace, () =>
      this.index.query<StoredMetadata>(
        {
          vector: query.vector,
          topK: query.topK,
          includeMetadata: query.includeMetadata ?? false,
          ...(query.filter === undefined ? {} : { filter: query.filter }),
        },
        { namespace },
      ),
    );
    return hits.map((hit) => {
      const match: VectorMatch = { id: String(hit.id), score: hit.score };
      if (hit.metadata !== undefined) match.metadata = hit.metadata;
      return match;
    });
  }

  async fetch(namespace: string, ids: string[]): Promise<(VectorRecord | null)[]> {
    if (ids.length === 0) return [];
    const found = await this.call('fetch', namespace, () =>
      this.index.fetch(ids, { namespace, includeVectors: true, includeMetadata: true }),
    );
    return found.map((hit) => {
      if (hit === null) return null;
      const record: VectorRecord = { id: String(hit.id), vector: hit.vector ?? [] };
      if (hit.metadata !== undefined) record.metadata = hit.metadata;
      return record;
    });
  }

  async delete(namespace: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { deleted } = await this.call('delete', namespace, () =>
      this.index.delete(ids, { namespace }),
    );
    return deleted;
  }

  async dropNamespace(namespace: string): Promise<void> {
    // The default namespace cannot be deleted, only emptied.
    if (namespace === '') {
      await this.call('dropNamespace', namespace, () => this.index.reset());
      return;
    }
    await this.call('dropNamespace', namespace, async () => {
      try {
        await this.index.deleteNamespace(namespace);
      } catch (error) {
        // Absent is fine (idempotent garbage collection); check rather than parse the message.
        const names = await this.index.listNamespaces();
        if (names.includes(namespace)) throw error;
      }
    });
  }

  async count(namespace: string): Promise<number> {
    const info = await this.call('count', namespace, () => this.index.info());
    return info.namespaces[namespace]?.vectorCount ?? 0;
  }

  private async call<T>(
    operation: keyof VectorIndex,
    namespace: string,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new VectorIndexError(operation, namespace, { cause: error });
    }
  }
}
