/** The `RateLimiter` port over @upstash/ratelimit (sliding window, state in Redis). */
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis/cloudflare';
import { hexDigest } from '../digest';
import { StoreError } from '../errors';
import { redisKeys } from '../keys';
import type { RateLimitDecision, RateLimiter } from '../ports/rate-limiter';
import type { ScriptCall, SharedRoundTrip } from '../ports/shared-round-trip';

export interface UpstashRateLimiterOptions {
  url: string;
  token: string;
  perMinute: number;
  /** Abort the Redis call after this long (ms): the limiter fails open rather than stall. */
  timeoutMs?: number;
}

export class UpstashRateLimiter implements RateLimiter {
  private readonly ratelimit: Ratelimit;
  /** Identifiers refused until (ms since epoch); this isolate's memory of recent refusals. */
  private readonly refused = new Map<string, number>();
  /** The round trip a check may ride on: set only while `Ratelimit.limit` runs synchronously. */
  private readonly boarding: Boarding = { trip: undefined };

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
      redis: withPlainScriptShebang(redis, this.boarding, timeoutMs),
      limiter: Ratelimit.slidingWindow(options.perMinute, '1 m'),
      prefix: redisKeys.rateLimitPrefix,
      analytics: false,
    });
  }

  async limit(identifier: string, trip?: SharedRoundTrip): Promise<RateLimitDecision> {
    try {
      // @upstash/ratelimit issues its script call before its first await: the call boards `trip`.
      this.boarding.trip = trip;
      let pending;
      try {
        pending = this.ratelimit.limit(identifier);
      } finally {
        this.boarding.trip = undefined;
      }
      const r = await pending;
      if (!r.success) this.refused.set(identifier, r.reset);
      return { allowed: r.success, limit: r.limit, remaining: r.remaining, resetAt: r.reset };
    } catch (error) {
      throw new StoreError('redis', `rate limit check failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  blockedUntil(identifier: string): number | null {
    const until = this.refused.get(identifier);
    if (until === undefined) return null;
    if (until > Date.now()) return until;
    this.refused.delete(identifier);
    return null;
  }
}

/**
 * @upstash/ratelimit's scripts start with `#!lua flags=allow-key-locking`, a flag Upstash accepts
 * but Redis ≤ 7.x refuses ("Unexpected flag in script shebang"). Once a server has refused it, this
 * wrapper sends the scripts without shebang flags (the flag is only a concurrency hint) and maps
 * the library's EVALSHA hashes onto the rewritten scripts, so a check stays one round trip.
 * An EVALSHA made while `boarding.trip` is set rides on that request's shared round trip.
 */
function withPlainScriptShebang(redis: Redis, boarding: Boarding, timeoutMs: number): Redis {
  let plain = false;
  const hashes = new Map<string, string>();
  const shim = {
    eval: async (script: string, keys: string[], args: unknown[]) => {
      if (!plain) {
        try {
          return await redis.eval(script, keys, args);
        } catch (error) {
          if (!/unexpected flag in script shebang/i.test(String(error))) throw error;
          plain = true;
        }
      }
      const rewritten = script.replace(/^#!lua flags=[^\n]*/, '#!lua');
      hashes.set(await hexDigest('SHA-1', script), await hexDigest('SHA-1', rewritten));
      return await redis.eval(rewritten, keys, args);
    },
    evalsha: (hash: string, keys: string[], args: unknown[]) => {
      const sha1 = hashes.get(hash) ?? hash;
      const alone = (call: ScriptCall) => redis.evalsha(call.sha1, call.keys, call.args);
      const trip = boarding.trip;
      if (trip === undefined) return alone({ sha1, keys, args });
      // A ride has no abort signal of its own: the limiter's timeout still bounds the wait.
      return withTimeout(trip.ride({ sha1, keys, args }, alone), timeoutMs);
    },
  };
  return new Proxy(redis, {
    get: (target, property, receiver) =>
      property === 'eval' || property === 'evalsha'
        ? shim[property]
        : Reflect.get(target, property, receiver),
  });
}

interface Boarding {
  trip: SharedRoundTrip | undefined;
}

/** `promise`, or a rejection once `ms` have passed. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
