/** `GET /v1/trending`: time-decayed trending items, global, per category or per edge location. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { requireScope } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { validate } from '../middleware/validate';
import { trendingQuerySchema } from '../schemas';
import { trendingItems } from '../services/lists-service';

export const trendingRoutes = new Hono<AppEnv>().get(
  '/',
  requireScope('read'),
  rateLimit({ alongside: true }),
  validate('query', trendingQuerySchema),
  async (c) => {
    const { k, category, scope } = c.req.valid('query');
    const colo = (c.req.raw.cf as { colo?: string } | undefined)?.colo;
    const key =
      category !== undefined
        ? `cat:${category}`
        : scope === 'colo' && typeof colo === 'string'
          ? `colo:${colo}`
          : 'global';
    const answer = await trendingItems(c.get('deps'), key, k, Date.now());
    c.header('Cache-Control', 'private, max-age=10');
    c.header('Vary', 'Authorization');
    return c.json({ scope: key, items: answer.items, degraded: answer.degraded }, 200);
  },
);
