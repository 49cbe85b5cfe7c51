/**
 * Middleware: per-API-key rate limit (sliding window in Redis). When Redis cannot answer the
 * request goes through (fail open) and `X-RateLimit-Status: fail-open` says so.
 */
import type { MiddlewareHandler } from 'hono';
import { RateLimitedError } from '../../../shared/errors';
import type { AppEnv } from '../app-env';

export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async function rateLimitMiddleware(c, next) {
    const limiter = c.get('deps').rateLimiter;
    if (limiter === null) return next();
    let decision;
    try {
      decision = await limiter.limit(c.get('apiKey').id);
    } catch {
      c.header('X-RateLimit-Status', 'fail-open');
      return next();
    }
    c.header('X-RateLimit-Limit', String(decision.limit));
    c.header('X-RateLimit-Remaining', String(Math.max(0, decision.remaining)));
    if (!decision.allowed) {
      throw new RateLimitedError((decision.resetAt - Date.now()) / 1000);
    }
    await next();
  };
}
