/**
 * `GET /v1/users/{userId}/recommendations` (the request pipeline) and `DELETE /v1/users/{userId}`
 * (erase a user's data).
 */
import { Hono } from 'hono';
import { deviceFromUserAgent } from '../../../shared/pipeline/request-context';
import type { AppEnv } from '../app-env';
import { requireScope } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { validate } from '../middleware/validate';
import { recommendationsQuerySchema, userPathSchema } from '../schemas';
import { recommendFor, roundTripsHeader } from '../services/recommend-service';
import { eraseUser } from '../services/user-erasure';

export const recommendationRoutes = new Hono<AppEnv>()
  .get(
    '/:userId/recommendations',
    requireScope('read'),
    rateLimit({ alongside: true }),
    validate('param', userPathSchema),
    validate('query', recommendationsQuerySchema),
    async (c) => {
      const query = c.req.valid('query');
      const cf = c.req.raw.cf as { colo?: string } | undefined;
      const { answer, timings, roundTrips } = await recommendFor(
        c.get('deps'),
        {
          userId: c.req.valid('param').userId,
          k: query.k,
          ...(query.category === undefined ? {} : { category: query.category }),
          exclude: query.exclude,
          ...(query.sessionId === undefined ? {} : { sessionId: query.sessionId }),
          diversity: query.diversity,
          explain: query.explain,
          device: deviceFromUserAgent(c.req.header('User-Agent')),
          ...(typeof cf?.colo === 'string' ? { colo: cf.colo } : {}),
          nowMs: Date.now(),
        },
        c.get('redisTrip'),
      );
      c.header('Server-Timing', timings.header());
      c.header('X-Edgerec-Round-Trips', roundTripsHeader(roundTrips));
      c.header('Cache-Control', 'private, no-store');
      c.header('Vary', 'Authorization');
      return c.json(answer, 200);
    },
  )
  .delete(
    '/:userId',
    requireScope('write'),
    rateLimit(),
    validate('param', userPathSchema),
    async (c) => {
      const { userId } = c.req.valid('param');
      return c.json(await eraseUser(c.get('deps'), c.env.RESULTS, userId), 202);
    },
  );
