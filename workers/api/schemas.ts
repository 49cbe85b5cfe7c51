/**
 * Every request and response shape of the public API, in one place (zod): the routes validate
 * with them and /openapi.json is generated from them.
 */
import { z } from 'zod';
import { eventBatchSchema, idempotencyKeySchema, idSchema } from '../../shared/domain/events';
import {
  itemFieldsSchema,
  itemInputSchema,
  MAX_ITEMS_PER_REQUEST,
} from '../../shared/domain/items';
import { SOURCE_NAMES } from '../../shared/domain/features';
import { LIMITS } from '../../shared/keys';
import { MAX_PROMOTED_ITEMS, MAX_PROMOTION_SLOTS } from '../../shared/domain/promotions';

export { eventBatchSchema, itemFieldsSchema, itemInputSchema };

/** The headers of `POST /v1/events` (for the OpenAPI document; the route reads the one it uses). */
export const eventHeadersSchema = z.object({
  'Idempotency-Key': idempotencyKeySchema
    .optional()
    .describe(
      'Makes the request safe to send again: events with neither id nor timestamp get ids derived from the key, so a retry with the same key counts them once.',
    ),
});

/** Query booleans: `true`/`1` and `false`/`0`. */
const queryBoolean = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/**
 * A refinement that names every id repeated in a list of items (`<index>` or `<index>.<field>`)
 * with the index of its first occurrence. Elements without a string id are passed over: it may
 * run on a list whose other elements failed.
 */
function repeatedIds(idOf: (element: unknown) => unknown, field?: string) {
  return (list: readonly unknown[], ctx: z.RefinementCtx): void => {
    const first = new Map<string, number>();
    list.forEach((element, index) => {
      const id = idOf(element);
      if (typeof id !== 'string') return;
      const earlier = first.get(id);
      if (earlier === undefined) first.set(id, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: field === undefined ? [index] : [index, field],
          message: `Duplicate item id "${id}" (also at items.${earlier}).`,
        });
    });
  };
}

/**
 * A batch of catalogue items. `onExisting` says what happens to an item whose id is live already:
 * `skip` (default) leaves it as it is, so that re-posting a batch changes nothing; `replace`
 * replaces it as `PUT /v1/items/{itemId}` would. An id may appear once per batch.
 */
export const itemBatchSchema = z
  .object({
    items: z
      .array(itemInputSchema)
      .min(1)
      .max(MAX_ITEMS_PER_REQUEST)
      .superRefine(
        repeatedIds((item) => (item as { itemId?: unknown } | undefined)?.itemId, 'itemId'),
        // Report duplicates together with the other items' errors: one answer names every problem.
        { when: (payload) => Array.isArray(payload.value) },
      ),
    onExisting: z.enum(['skip', 'replace']).default('skip'),
  })
  .strict();

/** `POST /v1/items`: one item (as before), or a batch `{items:[...]}`. */
export const itemsPostSchema = z.union([itemInputSchema, itemBatchSchema]);

/**
 * The branch of `itemsPostSchema` a body means: a body with `items` is a batch. Validating against
 * that branch alone makes errors name its fields (`body.items.3.categories`) instead of a union's
 * nested alternatives.
 */
export function itemsPostBranch(body: unknown): z.ZodType {
  const isBatch = typeof body === 'object' && body !== null && 'items' in body;
  return isBatch ? itemBatchSchema : itemInputSchema;
}

export const userPathSchema = z.object({ userId: idSchema });
export const itemPathSchema = z.object({ itemId: idSchema });
export const runPathSchema = z.object({ runId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/) });

/** Item ids to leave out: comma-separated, or the parameter repeated. */
const excludeQuery = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) =>
    (Array.isArray(v) ? v : v === undefined ? [] : [v])
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )
  .pipe(z.array(idSchema).max(500));

/** Deepest position a recommendation page may reach (`offset` + k): the batch's top-N length. */
export const MAX_RECOMMENDATION_DEPTH = LIMITS.topN;

export const recommendationsQuerySchema = z
  .object({
    k: z.coerce.number().int().min(1).max(100).default(10),
    /** Positions to skip (the next page of the same ranking); offset + k ≤ 200. */
    offset: z.coerce
      .number()
      .int()
      .min(0)
      .max(MAX_RECOMMENDATION_DEPTH - 1)
      .default(0),
    category: z.string().min(1).max(64).optional(),
    exclude: excludeQuery,
    sessionId: idSchema.optional(),
    diversity: z.coerce.number().min(0).max(1).default(0),
    explain: queryBoolean.default(false),
  })
  .superRefine((q, ctx) => {
    if (q.offset + q.k > MAX_RECOMMENDATION_DEPTH)
      ctx.addIssue({
        code: 'custom',
        path: ['offset'],
        message: `offset + k must be at most ${MAX_RECOMMENDATION_DEPTH}.`,
      });
  });

/** Most items one `POST /v1/users/{userId}/rank` request may rank. */
export const MAX_RANK_ITEMS = 500;

/** `POST /v1/users/{userId}/rank`: the caller's own items (e.g. search results) to order. */
export const rankBodySchema = z
  .object({
    items: z
      .array(idSchema)
      .min(1)
      .max(MAX_RANK_ITEMS)
      .superRefine(repeatedIds((id) => id)),
    sessionId: idSchema.optional(),
    explain: z.boolean().default(false),
  })
  .strict();

export const similarQuerySchema = z.object({
  k: z.coerce.number().int().min(1).max(100).default(10),
  category: z.string().min(1).max(64).optional(),
  exclude: excludeQuery,
});

export const trendingQuerySchema = z.object({
  k: z.coerce.number().int().min(1).max(100).default(10),
  category: z.string().min(1).max(64).optional(),
  scope: z.enum(['global', 'colo']).default('global'),
});

const sourceSchema = z.enum(SOURCE_NAMES);

export const recommendedItemSchema = z.object({
  itemId: z.string(),
  score: z.number(),
  sources: z.array(sourceSchema),
  /** The promotion whose slot put the item here (its score is then the model's). */
  promotion: z.string().optional(),
  reasons: z
    .object({
      contributions: z.array(
        z.object({ feature: z.string(), value: z.number(), contribution: z.number() }),
      ),
      rules: z.array(z.string()),
      becauseOf: z.string().optional(),
      modelScore: z.number(),
    })
    .optional(),
});

export const recommendationsResponseSchema = z.object({
  userId: z.string(),
  modelVersion: z.string().nullable(),
  items: z.array(recommendedItemSchema),
  /** Sources or stores that failed or were late (`<name>:<reason>`); empty when all answered. */
  degraded: z.array(z.string()),
});

/** `items`: every requested item that could be scored, best first (no cut, filter or cap). */
export const rankResponseSchema = recommendationsResponseSchema.extend({
  /** The other requested items, in request order: append them, do not drop them. */
  unranked: z.array(z.object({ itemId: z.string(), reason: z.enum(['unscored', 'hidden']) })),
});

export const similarResponseSchema = z.object({
  itemId: z.string(),
  modelVersion: z.string().nullable(),
  items: z.array(
    z.object({
      itemId: z.string(),
      score: z.number(),
      /** `neighbours`: the batch's list; `ann`: the vector index (scores on another scale). */
      source: z.enum(['neighbours', 'ann']),
    }),
  ),
  degraded: z.array(z.string()),
});

export const trendingResponseSchema = z.object({
  scope: z.string(),
  items: z.array(z.object({ itemId: z.string(), score: z.number() })),
  degraded: z.array(z.string()),
});

export const eventsAcceptedSchema = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
});

export const itemSchema = z.object({
  itemId: z.string(),
  title: z.string().optional(),
  categories: z.array(z.string()),
  tags: z.array(z.string()),
  createdAt: z.number(),
  hidden: z.boolean(),
  deleted: z.boolean().optional(),
  provider: z.string().optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  updatedAt: z.number(),
});

export const userErasedSchema = z.object({
  userId: z.string(),
  /** ms since epoch; the events logged before it are deleted by the next batch run. */
  erasedAt: z.number().int(),
  /** Redis keys deleted: online state and the user's top-N list of each version. */
  keysDeleted: z.number().int(),
  /** Versions whose top-N copies (Redis and Workers KV) were deleted. */
  versions: z.array(z.string()),
  events: z.literal('pending'),
});

export const itemWrittenSchema = z.object({
  item: itemSchema,
  /** True when a provisional vector was written to the served version's vector namespace. */
  provisionalVector: z.boolean(),
  modelVersion: z.string().nullable(),
});

export const itemsWrittenSchema = z.object({
  modelVersion: z.string().nullable(),
  /** Counts by outcome over the batch. */
  created: z.number().int(),
  replaced: z.number().int(),
  existing: z.number().int(),
  /** One entry per posted item, in request order. */
  items: z.array(
    z.object({
      itemId: z.string(),
      /** `existing`: the id was live and `onExisting` was `skip`; nothing was written for it. */
      outcome: z.enum(['created', 'replaced', 'existing']),
      provisionalVector: z.boolean(),
    }),
  ),
});

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  modelVersion: z.string().nullable(),
  dependencies: z.record(z.string(), z.enum(['ok', 'error', 'timeout', 'skipped'])),
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** 503: the dependency that failed (`redis`, `vector`, `batch`). */
  dependency: z.string().optional(),
  /**
   * 503 on `POST /v1/events`: the events may or may not have been stored; true when sending the
   * same request again is safe (every event has an id or a timestamp).
   */
  retrySafe: z.boolean().optional(),
});

export const promotionPathSchema = z.object({ promotionId: idSchema });

/** ms since epoch or ISO 8601, as ms. */
const instant = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((t) => (typeof t === 'number' ? t : Date.parse(t)));

/**
 * `PUT /v1/admin/promotions/{promotionId}`: promoted slots (shared/domain/promotions.ts). By
 * `slots[i]` (1-based positions, strictly increasing) a recommendation holds i + 1 of `items`.
 */
export const promotionBodySchema = z
  .object({
    items: z
      .array(idSchema)
      .min(1)
      .max(MAX_PROMOTED_ITEMS)
      .superRefine(repeatedIds((id) => id)),
    slots: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .max(MAX_PROMOTION_SLOTS)
      .superRefine((slots, ctx) => {
        slots.forEach((slot, i) => {
          if (i > 0 && slot <= slots[i - 1]!)
            ctx.addIssue({ code: 'custom', path: [i], message: 'Slots must increase strictly.' });
        });
      }),
    /** Active from then (default: the time of the request) until `endsAt` (default: no end). */
    startsAt: instant.optional(),
    endsAt: instant.optional(),
    description: z.string().max(200).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    // A promotion that could never run would only take one of the places.
    if (p.endsAt !== undefined && p.endsAt <= Math.max(p.startsAt ?? 0, Date.now()))
      ctx.addIssue({
        code: 'custom',
        path: ['endsAt'],
        message: 'endsAt must be after startsAt and in the future.',
      });
  });

export const promotionSchema = z.object({
  promotionId: z.string(),
  items: z.array(z.string()),
  slots: z.array(z.number().int()),
  startsAt: z.number(),
  endsAt: z.number().nullable(),
  description: z.string().optional(),
  updatedAt: z.number(),
  /** Running at the time of the answer. */
  active: z.boolean(),
});

export const promotionsSchema = z.object({
  promotions: z.array(promotionSchema),
  /** Most promotions stored at once. */
  limit: z.number().int(),
});

/** Admin answers are the batch worker's JSON, passed through. */
export const adminAnswerSchema = z.record(z.string(), z.unknown());
/** Optional training settings of one run (the batch worker's `POST /runs` body). */
export { batchTriggerSchema } from '../../shared/domain/batch';
