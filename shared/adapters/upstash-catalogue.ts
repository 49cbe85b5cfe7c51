/** The item catalogue in Redis: `er:item:<id>` JSON `Item`, indexed by ZSET `er:items` (createdAt). */
import type { Item } from '../domain/items';
import type { Catalogue } from '../ports/catalogue';
import { redisKeys } from '../keys';
import type { Redis } from './upstash-redis-client';

export class UpstashCatalogue implements Catalogue {
  constructor(
    private readonly redis: Redis,
    private readonly chunk = 500,
  ) {}

  async count(): Promise<number> {
    return await this.redis.zcard(redisKeys.items);
  }

  async all(onProgress?: (done: number, total: number) => void): Promise<Item[]> {
    const ids = (await this.redis.zrange(redisKeys.items, 0, -1)) as string[];
    const items: Item[] = [];
    for (let start = 0; start < ids.length; start += this.chunk) {
      const keys = ids.slice(start, start + this.chunk).map((id) => redisKeys.item(id));
      const values = (await this.redis.mget(...keys)) as (string | null)[];
      for (const value of values) {
        if (value === null) continue;
        try {
          items.push(JSON.parse(value) as Item);
        } catch {
          // A record that is not JSON is not an item; the batch counts only what it can read.
        }
      }
      onProgress?.(Math.min(ids.length, start + this.chunk), ids.length);
    }
    return items;
  }

  async put(items: readonly Item[]): Promise<void> {
    for (let start = 0; start < items.length; start += this.chunk) {
      const pipe = this.redis.pipeline();
      for (const item of items.slice(start, start + this.chunk)) {
        pipe.set(redisKeys.item(item.itemId), JSON.stringify(item));
        pipe.zadd(redisKeys.items, { score: item.createdAt, member: item.itemId });
      }
      await pipe.exec();
    }
  }

  async clearFresh(itemIds: readonly string[], createdBefore: number): Promise<number> {
    const fresh = (await this.redis.zrange(redisKeys.freshItems, '-inf', createdBefore, {
      byScore: true,
    })) as string[];
    if (fresh.length === 0) return 0;
    const covered = new Set(itemIds);
    const done = fresh.filter((id) => covered.has(id));
    let removed = 0;
    for (let start = 0; start < done.length; start += this.chunk) {
      const chunk = done.slice(start, start + this.chunk);
      removed += await this.redis.zrem(redisKeys.freshItems, ...(chunk as [string, ...string[]]));
    }
    return removed;
  }
}
