/**
 * The isolate's cache of serving models: manifest, item factors and scorer of a version are
 * loaded once (KV first, Redis second) and kept while that version is served. Only resolved values
 * are shared between requests (workerd forbids sharing one request's pending I/O with another).
 */
import type { EdgeResultReader } from '../../../shared/adapters/kv-result-reader';
import { buildServingModel, type ServingModel } from '../../../shared/pipeline/serving-model';
import { compileScorer } from '../../../shared/pipeline/compiled-scorer';

/** Versions kept at once: the served one and the one before (rollback, or a flip in flight). */
const KEEP = 2;

export class ModelCache {
  private readonly models = new Map<string, ServingModel>();
  /** The served version this isolate saw last (from Redis, or KV when Redis is down). */
  lastVersion: string | null = null;

  /** The cached model of `version`, without loading. */
  peek(version: string | null): ServingModel | null {
    return version === null ? null : (this.models.get(version) ?? null);
  }

  /** The model of `version`, loaded on first use; null when the version has no outputs. */
  async get(version: string, reader: EdgeResultReader): Promise<ServingModel | null> {
    const cached = this.models.get(version);
    if (cached) return cached;
    const [manifest, factors] = await Promise.all([
      reader.readManifest(version),
      reader.readItemFactors(version),
    ]);
    if (manifest === null || factors === null) return null;
    const model = buildServingModel(manifest, factors, compileScorer(manifest.scorer));
    this.models.set(version, model);
    while (this.models.size > KEEP) this.models.delete(this.models.keys().next().value!);
    return model;
  }

  /** Records the served version seen by a request. */
  observe(version: string | null): void {
    if (version !== null) this.lastVersion = version;
  }
}
