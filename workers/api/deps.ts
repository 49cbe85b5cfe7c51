/**
 * Composition root: builds the dependencies from `env` (validated once by `parseConfig`) and
 * keeps them per configuration for the life of the isolate.
 */
import { z } from 'zod';
import { FallbackResultReader, KvResultReader } from '../../shared/adapters/kv-result-reader';
import { UpstashRateLimiter } from '../../shared/adapters/upstash-rate-limiter';
import { UpstashStateStore } from '../../shared/adapters/upstash-state-store';
import { UpstashVectorIndex } from '../../shared/adapters/upstash-vector-index';
import { MAX_ITEMS_PER_REQUEST } from '../../shared/domain/items';
import { AppError } from '../../shared/errors';
import type { BudgetClock } from '../../shared/pipeline/budget';
import type { ApiBindings, Deps } from './app-env';
import { apiConfigSchema } from './config';
import { ModelCache } from './services/model-cache';
import { NeighbourCache } from './services/neighbour-cache';
import { TopNCache } from './services/top-n-cache';
import { UserVectorCache } from './services/user-vector-cache';

/** One model cache per isolate, shared by every configuration (models depend on data only). */
const models = new ModelCache();
/** Likewise one set of held top-N lists, one of neighbour lists and one of user vectors. */
const topNs = new TopNCache();
const neighbourLists = new NeighbourCache();
const userVectors = new UserVectorCache();
/** Per KV binding (tests wrap it), per configuration fingerprint. */
const built = new WeakMap<object, Map<string, Deps>>();
/**
 * Per `env` object: workerd hands every request of an isolate the same one, so the fingerprint
 * (a sort and a JSON text of every setting) is computed once, not on every request.
 */
const byEnv = new WeakMap<ApiBindings, Deps>();

const clock: BudgetClock = {
  now: () => performance.now(),
  setTimer: (ms, onTimeout) => {
    const timer = setTimeout(onTimeout, ms);
    return () => clearTimeout(timer);
  },
};

/** The dependencies for `env`; throws a 503 `AppError` naming invalid settings (never values). */
export function dependenciesFor(env: ApiBindings): Deps {
  let deps = byEnv.get(env);
  if (!deps) byEnv.set(env, (deps = buildDependencies(env)));
  return deps;
}

function buildDependencies(env: ApiBindings): Deps {
  const strings = Object.entries(env).filter(([, v]) => typeof v === 'string');
  const fingerprint = JSON.stringify(strings.sort(([a], [b]) => (a < b ? -1 : 1)));
  let perKv = built.get(env.RESULTS);
  if (!perKv) built.set(env.RESULTS, (perKv = new Map()));
  const cached = perKv.get(fingerprint);
  if (cached) return cached;

  const parsed = apiConfigSchema.safeParse(Object.fromEntries(strings));
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ');
    throw new AppError(
      'misconfigured',
      503,
      'Service misconfigured',
      `Invalid or missing settings: ${names}.`,
      { cause: z.prettifyError(parsed.error) },
    );
  }
  const config = parsed.data;
  const state = new UpstashStateStore({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
    timeoutMs: Math.max(1000, config.EDGEREC_STATE_BUDGET_MS * 4),
  });
  const kv = new KvResultReader(env.RESULTS);
  const deps: Deps = {
    config,
    state,
    kv,
    results: new FallbackResultReader(kv, state),
    vectors: new UpstashVectorIndex({
      url: config.UPSTASH_VECTOR_REST_URL,
      token: config.UPSTASH_VECTOR_REST_TOKEN,
      retries: 1,
      // A full item batch (MAX_ITEMS_PER_REQUEST) in one upsert request; Upstash takes up to 1,000.
      upsertBatchSize: MAX_ITEMS_PER_REQUEST,
    }),
    rateLimiter:
      config.EDGEREC_RATE_LIMIT_PER_MINUTE > 0
        ? new UpstashRateLimiter({
            url: config.UPSTASH_REDIS_REST_URL,
            token: config.UPSTASH_REDIS_REST_TOKEN,
            perMinute: config.EDGEREC_RATE_LIMIT_PER_MINUTE,
          })
        : null,
    models,
    topNs,
    neighbourLists,
    userVectors,
    clock,
  };
  perKv.set(fingerprint, deps);
  return deps;
}
