/**
 * Middleware: per-API-key rate limit (sliding window in Redis). When Redis cannot answer the
 * request goes through (fail open) and `X-RateLimit-Status: fail-open` says so.
 *
 * Writes wait for the decision before they run. Reads (`{ alongside: true }`) run while the check
 * is in flight and are answered only once it allows them: the check is a Redis round trip of its
 * own, and awaiting it first put that round trip in front of every recommendation. A read that
 * turns out to be over the limit gets its 429 all the same (its answer is dropped), and a key
 * known to be over the limit is refused at once, before any work. A read's check also waits for
 * the handler's own Redis round trip (`redisTrip`) and travels in it: a recommendation makes one
 * Redis round trip in all.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimitedError } from '../../../shared/errors';
import type { RateLimitDecision } from '../../../shared/ports/rate-limiter';
import { SharedRoundTrip } from '../../../shared/ports/shared-round-trip';
import type { AppEnv } from '../app-env';

export interface RateLimitOptions {
  /** Run the handler while the check is in flight (side-effect-free reads only). */
  alongside?: boolean;
}

export function rateLimit(options: RateLimitOptions = {}): MiddlewareHandler<AppEnv> {
  return async function rateLimitMiddleware(c, next) {
    const limiter = c.get('deps').rateLimiter;
    if (limiter === null) return next();
    const identifier = c.get('apiKey').id;
    const blockedUntil = limiter.blockedUntil(identifier);
    if (blockedUntil !== null) throw new RateLimitedError((blockedUntil - Date.now()) / 1000);
    if (options.alongside) {
      // The check rides on the handler's Redis round trip when it makes one in this task.
      const trip = new SharedRoundTrip();
      c.set('redisTrip', trip);
      const decision = limiter.limit(identifier, trip).catch(() => null);
      await next();
      apply(c, await decision);
    } else {
      apply(c, await limiter.limit(identifier).catch(() => null));
      await next();
    }
  };
}

/** Headers of the decision (null: the limiter failed); throws the 429 when it refuses. */
function apply(c: Context<AppEnv>, decision: RateLimitDecision | null): void {
  if (decision === null) {
    c.header('X-RateLimit-Status', 'fail-open');
    return;
  }
  c.header('X-RateLimit-Limit', String(decision.limit));
  c.header('X-RateLimit-Remaining', String(Math.max(0, decision.remaining)));
  if (!decision.allowed) throw new RateLimitedError((decision.resetAt - Date.now()) / 1000);
}
