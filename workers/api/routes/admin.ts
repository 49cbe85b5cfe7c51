/**
 * Admin routes: the batch ones are a thin proxy to the batch worker's internal API over the
 * `BATCH` service binding (when the batch worker cannot answer, the answer is a 503 problem, never
 * a 500); the promotions (promoted slots) live in Redis.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  MAX_PROMOTIONS,
  isActive,
  toPromotion,
  type Promotion,
} from '../../../shared/domain/promotions';
import {
  ConflictError,
  DependencyUnavailableError,
  NotFoundError,
  UpstreamProblemError,
} from '../../../shared/errors';
import type { AppEnv } from '../app-env';
import { requireScope } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { validate } from '../middleware/validate';
import {
  batchTriggerSchema,
  promotionBodySchema,
  promotionPathSchema,
  runPathSchema,
} from '../schemas';

/** A promotion as the API shows it: with whether it runs now. */
const shown = (p: Promotion, nowMs: number) => ({ ...p, active: isActive(p, nowMs) });

/** Calls the batch worker and returns its JSON and status; 503 problem when it fails. */
async function callBatch(
  c: Context<AppEnv>,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: ContentfulStatusCode; json: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await c.env.BATCH.fetch(
      new Request(`https://batch.internal${path}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  } catch (error) {
    throw new DependencyUnavailableError('batch', 'The batch worker did not answer.', error);
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch (error) {
    throw new DependencyUnavailableError(
      'batch',
      `The batch worker answered ${res.status} without JSON.`,
      error,
    );
  }
  if (res.status >= 500) {
    throw new DependencyUnavailableError('batch', `The batch worker answered ${res.status}.`);
  }
  if (res.status >= 400) {
    // The batch worker answers problem+json with a short `type` (e.g. `batch-locked`); pass it on.
    const {
      type,
      title,
      detail,
      status: _status,
      ...extensions
    } = (json ?? {}) as Record<string, unknown>;
    throw new UpstreamProblemError(
      typeof type === 'string' ? type.replace(/^.*\//, '') : 'batch-refused',
      res.status,
      typeof title === 'string' ? title : 'Batch request refused',
      typeof detail === 'string' ? detail : `The batch worker answered ${res.status}.`,
      extensions,
    );
  }
  return {
    status: res.status as ContentfulStatusCode,
    json: (json ?? {}) as Record<string, unknown>,
  };
}

export const adminRoutes = new Hono<AppEnv>()
  .use(requireScope('admin'), rateLimit())
  .post('/batch', validate('json', batchTriggerSchema), async (c) => {
    const { status, json } = await callBatch(c, 'POST', '/runs', c.req.valid('json'));
    return c.json(json, status);
  })
  .get('/batch/:runId', validate('param', runPathSchema), async (c) => {
    const { status, json } = await callBatch(
      c,
      'GET',
      `/runs/${encodeURIComponent(c.req.valid('param').runId)}`,
    );
    return c.json(json, status);
  })
  .get('/status', async (c) => {
    const { status, json } = await callBatch(c, 'GET', '/status');
    return c.json({ ...json, edge: { servedVersion: c.get('deps').models.lastVersion } }, status);
  })
  .post('/rollback', async (c) => {
    const { status, json } = await callBatch(c, 'POST', '/rollback', {});
    return c.json(json, status);
  })
  .get('/promotions', async (c) => {
    const promotions = await c.get('deps').state.promotions();
    const now = Date.now();
    c.header('Cache-Control', 'no-store');
    return c.json({ promotions: promotions.map((p) => shown(p, now)), limit: MAX_PROMOTIONS }, 200);
  })
  .put(
    '/promotions/:promotionId',
    validate('param', promotionPathSchema),
    validate('json', promotionBodySchema),
    async (c) => {
      const now = Date.now();
      const promotion = toPromotion(c.req.valid('param').promotionId, c.req.valid('json'), now);
      const outcome = await c.get('deps').state.putPromotion(promotion, MAX_PROMOTIONS);
      if (outcome === 'full') {
        throw new ConflictError(
          `${MAX_PROMOTIONS} promotions are stored already: delete one before creating another.`,
        );
      }
      return c.json(shown(promotion, now), outcome === 'created' ? 201 : 200);
    },
  )
  .delete('/promotions/:promotionId', validate('param', promotionPathSchema), async (c) => {
    const { promotionId } = c.req.valid('param');
    if (!(await c.get('deps').state.deletePromotion(promotionId))) {
      throw new NotFoundError(`There is no promotion "${promotionId}".`);
    }
    return c.body(null, 204);
  });
