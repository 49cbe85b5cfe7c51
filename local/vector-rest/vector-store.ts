/** The whole local index: its namespaces (the default `""` always exists) and its counters. */
import { VectorRestError } from './http-error';
import { DEFAULT_ANN_OPTIONS, NamespaceIndex } from './namespace-index';
import type { AnnOptions } from './namespace-index';
import type { SimilarityFunction } from './similarity';

/** Fixed properties of an index. */
export interface VectorStoreConfig {
  dimension: number;
  similarity: SimilarityFunction;
  /** Index name used in upstream-style error messages. */
  name?: string;
  ann?: Partial<AnnOptions>;
}

/** The `info` result (docs/upstash-vector-rest.md §5.9). */
export interface IndexInfo {
  vectorCount: number;
  pendingVectorCount: number;
  indexSize: number;
  dimension: number;
  similarityFunction: SimilarityFunction;
  indexType: 'DENSE';
  denseIndex: { dimension: number; similarityFunction: SimilarityFunction };
  namespaces: Record<string, { vectorCount: number; pendingVectorCount: number }>;
}

export class VectorStore {
  readonly dimension: number;
  readonly similarity: SimilarityFunction;
  readonly name: string;
  private readonly ann: AnnOptions;
  private readonly namespaces = new Map<string, NamespaceIndex>();
  /** Incremented by every change, so that persistence knows what it has saved. */
  private changes = 0;

  constructor(config: VectorStoreConfig) {
    this.dimension = config.dimension;
    this.similarity = config.similarity;
    this.name = config.name ?? 'local';
    this.ann = { ...DEFAULT_ANN_OPTIONS, ...config.ann };
    this.namespaces.set('', this.newNamespace());
  }

  /** Number of changes so far (monotonic). */
  get generation(): number {
    return this.changes;
  }

  /** Records that state changed (called after every successful write). */
  markChanged(): void {
    this.changes++;
  }

  /** An existing namespace, or undefined (reads treat it as empty without creating it). */
  find(namespace: string): NamespaceIndex | undefined {
    return this.namespaces.get(namespace);
  }

  /** The namespace, created on first write as upstream does. */
  getOrCreate(namespace: string): NamespaceIndex {
    let ns = this.namespaces.get(namespace);
    if (ns === undefined) {
      ns = this.newNamespace();
      this.namespaces.set(namespace, ns);
    }
    return ns;
  }

  /** Namespace names, `""` first. */
  names(): string[] {
    return [...this.namespaces.keys()];
  }

  /** Empties one namespace but keeps it listed; unknown namespaces are left alone. */
  reset(namespace: string): void {
    this.namespaces.get(namespace)?.reset();
  }

  resetAll(): void {
    for (const ns of this.namespaces.values()) ns.reset();
  }

  /** Removes a namespace; the default one cannot be removed. */
  deleteNamespace(namespace: string): void {
    if (namespace === '') {
      throw new VectorRestError(400, 'The default namespace cannot be deleted');
    }
    if (!this.namespaces.delete(namespace)) {
      throw new VectorRestError(
        404,
        `Namespace ${namespace} for the index ${this.name} does not exist`,
      );
    }
  }

  info(): IndexInfo {
    const namespaces: IndexInfo['namespaces'] = {};
    let vectorCount = 0;
    for (const [name, ns] of this.namespaces) {
      namespaces[name] = { vectorCount: ns.size, pendingVectorCount: 0 };
      vectorCount += ns.size;
    }
    return {
      vectorCount,
      pendingVectorCount: 0,
      // An estimate like upstream's: float32 vectors plus the HNSW links of each node.
      indexSize: vectorCount * (this.dimension * 4 + this.ann.connectivity * 2 * 4),
      dimension: this.dimension,
      similarityFunction: this.similarity,
      indexType: 'DENSE',
      denseIndex: { dimension: this.dimension, similarityFunction: this.similarity },
      namespaces,
    };
  }

  private newNamespace(): NamespaceIndex {
    return new NamespaceIndex(this.dimension, this.similarity, this.ann);
  }
}
