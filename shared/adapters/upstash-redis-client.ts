/** Builds the `@upstash/redis` client the batch adapters share (same code in workerd and Node). */
import { Redis } from '@upstash/redis/cloudflare';

export type { Redis };

/** Where the Upstash Redis REST endpoint is. */
export interface RedisConnection {
  url: string;
  token: string;
}

/**
 * A client that returns raw strings (the adapters parse JSON themselves, so that ids that look like
 * numbers stay strings) and plain UTF-8 responses (everything written is JSON text; skipping the
 * base64 transport encoding matters when a snapshot reads a million log entries).
 */
export function createRedisClient({ url, token }: RedisConnection): Redis {
  return new Redis({
    url,
    token,
    automaticDeserialization: false,
    responseEncoding: false,
    enableTelemetry: false,
  });
}
