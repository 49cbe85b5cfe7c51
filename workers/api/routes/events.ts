/** `POST /v1/events`: the real-time loop's entry. */
import { Hono } from 'hono';
import { ValidationError } from '../../../shared/errors';
import type { AppEnv } from '../app-env';
import { requireScope } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { validate, zodFieldErrors } from '../middleware/validate';
import { eventBatchSchema, eventHeadersSchema } from '../schemas';
import { foldInUsers, ingestEvents } from '../services/ingest-service';
import { runAfterResponse } from './after-response';

export const eventRoutes = new Hono<AppEnv>().post(
  '/',
  requireScope('write'),
  rateLimit(),
  validate('json', eventBatchSchema),
  async (c) => {
    const deps = c.get('deps');
    const idempotencyKey = idempotencyKeyOf(c.req.header('idempotency-key'));
    const now = Date.now();
    const colo = (c.req.raw.cf as { colo?: unknown } | undefined)?.colo;
    const result = await ingestEvents(
      deps,
      c.req.valid('json').events,
      now,
      typeof colo === 'string' ? colo : undefined,
      idempotencyKey,
    );
    if (result.users.size > 0) runAfterResponse(c, () => foldInUsers(deps, result, now));
    return c.json({ accepted: result.accepted, duplicates: result.duplicates }, 202);
  },
);

/** The validated `Idempotency-Key` header, if sent (the schema /openapi.json documents). */
function idempotencyKeyOf(header: string | undefined): string | undefined {
  const parsed = eventHeadersSchema.safeParse({ 'Idempotency-Key': header });
  if (!parsed.success) {
    throw new ValidationError(
      zodFieldErrors(parsed.error, 'header'),
      'The request header is invalid.',
    );
  }
  return parsed.data['Idempotency-Key'];
}
