/** `POST /v1/events`: the real-time loop's entry. */
import { Hono } from 'hono';
import { idempotencyKeySchema } from '../../../shared/domain/events';
import { ValidationError } from '../../../shared/errors';
import type { AppEnv } from '../app-env';
import { requireScope } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { validate } from '../middleware/validate';
import { eventBatchSchema } from '../schemas';
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

/** The validated `Idempotency-Key` header, if sent. */
function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(header);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    [{ path: 'header.Idempotency-Key', message: parsed.error.issues[0]!.message }],
    'The request header is invalid.',
  );
}
