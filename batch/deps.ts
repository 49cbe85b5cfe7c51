/**
 * Composition root of a batch run: builds the stores from the parsed configuration. Called once per
 * invocation in the worker (the KV operation budget is per invocation) and once per process on the
 * command line.
 */
import { KvOperationBudget, KvResultStore } from '../shared/adapters/kv-result-store';
import { UpstashCatalogue } from '../shared/adapters/upstash-catalogue';
import { UpstashEventLog } from '../shared/adapters/upstash-event-log';
import { createRedisClient } from '../shared/adapters/upstash-redis-client';
import { UpstashVectorIndex } from '../shared/adapters/upstash-vector-index';
import { UpstashVersionStore } from '../shared/adapters/upstash-version-store';
import type { Config } from '../shared/config';
import { trainAll } from '../shared/training/index';
import type { BatchDeps } from './run-batch';

/** What the composition root needs beyond the configuration. */
export interface BatchDepsOptions {
  /** The KV namespace binding (worker only). */
  kv?: KVNamespace;
  /** False skips the vector index (tests of the write path without ANN, or an index-less setup). */
  vectors?: boolean;
  memoryUsage?: () => { rss: number; heapUsed: number; arrayBuffers: number };
}

export function createBatchDeps(config: Config, options: BatchDepsOptions = {}): BatchDeps {
  const redis = createRedisClient({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
  });
  const store = new UpstashVersionStore(redis);
  return {
    eventLog: new UpstashEventLog(redis),
    catalogue: new UpstashCatalogue(redis),
    store,
    kv: options.kv ? new KvResultStore(options.kv, { budget: new KvOperationBudget() }) : null,
    vectors:
      options.vectors === false
        ? null
        : new UpstashVectorIndex({
            url: config.UPSTASH_VECTOR_REST_URL,
            token: config.UPSTASH_VECTOR_REST_TOKEN,
          }),
    trainAll,
    memoryUsage: options.memoryUsage,
  };
}
