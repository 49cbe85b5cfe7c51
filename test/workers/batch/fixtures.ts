/** Shared set-up of the batch worker tests: the stores over the test servers, and seeded data. */
import { env } from 'cloudflare:workers';
import { generateDemo } from '../../../local/demo/generate';
import { createRedisClient, type Redis } from '../../../shared/adapters/upstash-redis-client';
import { parseConfig, type Config } from '../../../shared/config';
import { PREFIX, redisKeys } from '../../../shared/keys';
import { demoToStored } from '../../../batch/import/from-demo';
import { createBatchDeps } from '../../../batch/deps';
import type { BatchDeps, BatchOptions } from '../../../batch/run-batch';

export const config: Config = parseConfig(env as unknown as Record<string, unknown>);

export function redis(): Redis {
  return createRedisClient({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
  });
}

/** Fresh stores for one invocation (the KV operation budget is per invocation). */
export function deps(): BatchDeps {
  return createBatchDeps(config, { kv: env.RESULTS });
}

export function options(overrides: Partial<BatchOptions> = {}): BatchOptions {
  return {
    trigger: 'api',
    platform: 'worker',
    eventWeights: config.EDGEREC_EVENT_WEIGHTS,
    train: { dims: config.EDGEREC_DIMS, seed: 7, tune: 'off', model: 'als' },
    ...overrides,
  };
}

/** Deletes every key the batch reads or writes (the test servers are shared by the test files). */
export async function clearBatchState(client = redis()): Promise<void> {
  const patterns = [`${PREFIX}:v:*`, `${PREFIX}:item:*`, `${PREFIX}:batch:*`, `${PREFIX}:version*`];
  const fixed = [redisKeys.eventLog, redisKeys.items, redisKeys.freshItems];
  await client.del(...fixed);
  for (const match of patterns) {
    let cursor = '0';
    do {
      const [next, keys] = (await client.scan(cursor, { match, count: 1000 })) as unknown as [
        string,
        string[],
      ];
      cursor = String(next);
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  }
}

/** Seeds a small demo-like history (the stack's own generator, fixed seed). */
export async function seedDemo(
  size = { users: 120, items: 150, events: 4000 },
): Promise<{ users: number; items: number; events: number }> {
  const { events, items } = demoToStored(generateDemo({ seed: 11, ...size }));
  const d = deps();
  await d.catalogue.put(items);
  await d.eventLog.append(events);
  return { users: size.users, items: items.length, events: events.length };
}
