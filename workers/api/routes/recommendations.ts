/**
 * `GET /v1/users/{userId}/recommendations` (the request pipeline), `POST /v1/users/{userId}/rank`
 * (the same scoring over the caller's items) and `DELETE /v1/users/{userId}` (erase a user's
 * data).
 */
import { Hono, type Context } from 'hono';
import type { Device } from '../../../shared/domain/features';
import { deviceFromUserAgent } from '../../../shared/pipeline/request-context';
import type { AppEnv } from '../app-env';
import { requireScope } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { validate } from '../middleware/validate';
import { rankBodySchema, recommendationsQuerySchema, userPathSchema } from '../schemas';
import {
  rankFor,
  recommendFor,
  roundTripsHeader,
  type RoundTrips,
} from '../services/recommend-service';
import type { StageTimings } from '../services/stage-timings';
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
      const { answer, timings, roundTrips } = await recommendFor(
        c.get('deps'),
        {
          userId: c.req.valid('param').userId,
          k: query.k,
          offset: query.offset,
          ...(query.category === undefined ? {} : { category: query.category }),
          exclude: query.exclude,
          ...(query.sessionId === undefined ? {} : { sessionId: query.sessionId }),
          diversity: query.diversity,
          explain: query.explain,
          ...requestContext(c),
        },
        c.get('redisTrip'),
      );
      personalHeaders(c, timings, roundTrips);
      return c.json(answer, 200);
    },
  )
  .post(
    '/:userId/rank',
    requireScope('read'),
    // The body first: a check started before a slow upload ends would leave on its own instead
    // of riding on the ranking's Redis round trip.
    validate('param', userPathSchema),
    validate('json', rankBodySchema),
    rateLimit({ alongside: true }),
    async (c) => {
      const body = c.req.valid('json');
      const { answer, timings, roundTrips } = await rankFor(
        c.get('deps'),
        {
          userId: c.req.valid('param').userId,
          itemIds: body.items,
          ...(body.sessionId === undefined ? {} : { sessionId: body.sessionId }),
          explain: body.explain,
          ...requestContext(c),
        },
        c.get('redisTrip'),
      );
      personalHeaders(c, timings, roundTrips);
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

/** Headers of a personalised answer: per-stage timings, store accesses, never cached shared. */
function personalHeaders(c: Context<AppEnv>, timings: StageTimings, roundTrips: RoundTrips): void {
  c.header('Server-Timing', timings.header());
  c.header('X-Edgerec-Round-Trips', roundTripsHeader(roundTrips));
  c.header('Cache-Control', 'private, no-store');
  c.header('Vary', 'Authorization');
}

/** The request's context features: device from the user agent, edge location, time. */
function requestContext(c: Context<AppEnv>): { device: Device; colo?: string; nowMs: number } {
  const cf = c.req.raw.cf as { colo?: string } | undefined;
  return {
    device: deviceFromUserAgent(c.req.header('User-Agent')),
    ...(typeof cf?.colo === 'string' ? { colo: cf.colo } : {}),
    nowMs: Date.now(),
  };
}
