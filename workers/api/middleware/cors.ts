/** Middleware: CORS for browser clients, origins from `EDGEREC_CORS_ORIGINS` (comma-separated or `*`). */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../app-env';

export function corsFromConfig(): MiddlewareHandler<AppEnv> {
  return async function corsMiddleware(c, next) {
    const setting = c.get('deps').config.EDGEREC_CORS_ORIGINS.trim();
    if (setting === '') return next();
    const allowed = setting.split(',').map((o) => o.trim());
    const handler = cors({
      origin: allowed.includes('*') ? '*' : (origin) => (allowed.includes(origin) ? origin : null),
      // Idempotency-Key: a browser that posts events may make its retries safe too.
      allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      exposeHeaders: [
        'Server-Timing',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Status',
        'X-Edgerec-Round-Trips',
      ],
      maxAge: 600,
    });
    return handler(c, next);
  };
}
