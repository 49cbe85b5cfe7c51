/** The `RateLimiter` port over @upstash/ratelimit (sliding window, state in Redis). */
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis/cloudflare';
import { StoreError } from '../errors';
import { redisKeys } from '../keys';
import type { RateLimitDecision, RateLimiter } from '../ports/rate-limiter';

export interface UpstashRateLimiterOptions {
  url: string;
  token: string;
  perMinute: number;
  /** Abort the Redis call after this long (ms): the limiter fails open rather than stall. */
  timeoutMs?: number;
}

export class UpstashRateLimiter implements RateLimiter {
  private readonly ratelimit: Ratelimit;

  constructor(options: UpstashRateLimiterOptions) {
    const timeoutMs = options.timeoutMs ?? 500;
    const redis = new Redis({
      url: options.url,
      token: options.token,
      enableTelemetry: false,
      enableAutoPipelining: false,
      readYourWrites: false,
      retry: false,
      signal: () => AbortSignal.timeout(timeoutMs),
    });
    this.ratelimit = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(options.perMinute, '1 m'),
      prefix: redisKeys.rateLimitPrefix,
      analytics: false,
    });
  }

  async limit(identifier: string): Promise<RateLimitDecision> {
    try {
      const r = await this.ratelimit.limit(identifier);
      return { allowed: r.success, limit: r.limit, remaining: r.remaining, resetAt: r.reset };
    } catch (error) {
      throw new StoreError('redis', `rate limit check failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
