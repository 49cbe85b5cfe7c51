/** Types of the Hono app: bindings (wrangler + secrets), per-request variables, dependencies. */
import type { ApiKey } from '../../shared/config';
import type { FallbackResultReader, KvResultReader } from '../../shared/adapters/kv-result-reader';
import type { BudgetClock } from '../../shared/pipeline/budget';
import type { RateLimiter } from '../../shared/ports/rate-limiter';
import type { StateStore } from '../../shared/ports/state-store';
import type { VectorIndex } from '../../shared/ports/vector-index';
import type { ApiConfig } from './config';
import type { SharedRoundTrip } from '../../shared/ports/shared-round-trip';
import type { ModelCache } from './services/model-cache';
import type { NeighbourCache } from './services/neighbour-cache';
import type { TopNCache } from './services/top-n-cache';
import type { UserVectorCache } from './services/user-vector-cache';

/** Secrets: from `.dev.vars` locally, `wrangler secret put` in production, TEST_BINDINGS in tests. */
export interface SecretBindings {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  UPSTASH_VECTOR_REST_URL?: string;
  UPSTASH_VECTOR_REST_TOKEN?: string;
  EDGEREC_API_KEYS?: string;
  [setting: `EDGEREC_${string}`]: string | undefined;
}

export type ApiBindings = Env & SecretBindings;

/** Everything the routes use, built once per configuration by the composition root. */
export interface Deps {
  config: ApiConfig;
  state: StateStore;
  /** Versioned outputs: KV first, Redis second. */
  results: FallbackResultReader;
  /** The KV copy alone (the hot path's one KV read, and the pointer when Redis is down). */
  kv: KvResultReader;
  vectors: VectorIndex;
  /** Null when rate limiting is off. */
  rateLimiter: RateLimiter | null;
  models: ModelCache;
  /** Per-user top-N lists of the served version held in isolate memory. */
  topNs: TopNCache;
  /** Neighbour lists of the served version held in isolate memory. */
  neighbourLists: NeighbourCache;
  /** The user vectors of the served version this isolate last saw (the vector query goes early). */
  userVectors: UserVectorCache;
  clock: BudgetClock;
}

export interface AppEnv {
  Bindings: ApiBindings;
  Variables: {
    deps: Deps;
    apiKey: ApiKey;
    /** Set by the rate limit of reads: its check waits here for the request's Redis round trip. */
    redisTrip?: SharedRoundTrip;
  };
}
