/** The OpenAPI 3.1 document of the public API, generated from the zod schemas in ./schemas.ts. */
import { z } from 'zod';
import { MAX_PROMOTIONS } from '../../shared/domain/promotions';
import {
  adminAnswerSchema,
  batchTriggerSchema,
  eventBatchSchema,
  eventHeadersSchema,
  eventsAcceptedSchema,
  healthSchema,
  itemFieldsSchema,
  itemPathSchema,
  itemSchema,
  itemsPostSchema,
  itemsWrittenSchema,
  itemWrittenSchema,
  problemSchema,
  promotionBodySchema,
  promotionPathSchema,
  promotionSchema,
  promotionsSchema,
  recommendationsQuerySchema,
  rankBodySchema,
  rankResponseSchema,
  recommendationsResponseSchema,
  runPathSchema,
  similarQuerySchema,
  similarResponseSchema,
  trendingQuerySchema,
  trendingResponseSchema,
  userErasedSchema,
  userPathSchema,
} from './schemas';

type JsonSchema = Record<string, unknown>;

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  scope?: 'read' | 'write' | 'admin';
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  status: number;
  response?: z.ZodType;
  /** Further success answers by status (e.g. a batch form of the same route). */
  extraResponses?: Record<number, z.ZodType>;
  description?: string;
}

const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/v1/events',
    summary: 'Ingest up to 1,000 events',
    scope: 'write',
    headers: eventHeadersSchema,
    body: eventBatchSchema,
    status: 202,
    response: eventsAcceptedSchema,
    description:
      'De-duplicated by event id; appended to the durable log before the answer; the next recommendation reflects them. An event without an id gets one derived from its timestamp, or, without a timestamp, from the `Idempotency-Key` header. A 503 means the store did not confirm the events: some or all may have been stored, and `retrySafe` says whether sending the same request again is safe (true when every event has an id or a timestamp, or the request has an `Idempotency-Key`).',
  },
  {
    method: 'post',
    path: '/v1/items',
    summary: 'Create a catalogue item, or a batch of up to 1,000',
    scope: 'write',
    body: itemsPostSchema,
    status: 201,
    response: itemWrittenSchema,
    extraResponses: { 200: itemsWrittenSchema },
    description:
      'One item answers 201 (409 when it exists). A batch `{items:[...], onExisting?}` answers 200 with an outcome per item: validated whole before anything is written (errors name `body.items.<index>.<field>`), then written in one Redis transaction and one vector upsert; `onExisting: "skip"` (default) leaves live items as they are, so re-posting a batch changes nothing, `"replace"` replaces them. An item created after the last batch gets a provisional vector and can be recommended at once.',
  },
  {
    method: 'get',
    path: '/v1/items/{itemId}',
    summary: 'Read an item',
    scope: 'read',
    params: itemPathSchema,
    status: 200,
    response: itemSchema,
    description:
      'The catalogue entry as stored, hidden items included (`hidden: true`); 404 for an unknown or deleted item. Not cached (`Cache-Control: no-store`), so a write shows in the next read.',
  },
  {
    method: 'put',
    path: '/v1/items/{itemId}',
    summary: 'Create or replace an item',
    scope: 'write',
    params: itemPathSchema,
    body: itemFieldsSchema,
    status: 200,
    response: itemWrittenSchema,
  },
  {
    method: 'delete',
    path: '/v1/items/{itemId}',
    summary: 'Delete an item',
    scope: 'write',
    params: itemPathSchema,
    status: 204,
  },
  {
    method: 'get',
    path: '/v1/users/{userId}/recommendations',
    summary: 'Personalised recommendations',
    scope: 'read',
    params: userPathSchema,
    query: recommendationsQuerySchema,
    status: 200,
    response: recommendationsResponseSchema,
    description:
      'Candidate generation, scoring and ranking; `Server-Timing` gives each stage. An unknown user is a cold start, not an error. `offset` pages through the ranking: the answer holds positions offset + 1 to offset + k of the ranking to that depth (rules, caps and promoted slots apply over the whole depth), so consecutive pages of the same `k` over an unchanged state neither repeat nor skip an item, unless exposure caps are configured (a cap of ⌈share × depth⌉ items grows with the depth). Every page draws on the candidates of a `k`-item answer, so a page past them is short or empty: the end of the list. offset + k ≤ 200.',
  },
  {
    method: 'post',
    path: '/v1/users/{userId}/rank',
    summary: "Rank the caller's items for a user",
    scope: 'read',
    params: userPathSchema,
    body: rankBodySchema,
    status: 200,
    response: rankResponseSchema,
    description:
      'Personalised ranking of up to 500 items the caller already has (search results, a shelf, an e-mail): each is scored as a recommendation candidate would be, with the sources that would have proposed it (less `ann`: ranking makes no vector query), and the list comes back best first with the freshness boost (a share of the score range of the listed items) but no cut, category filter, exposure cap or diversity. Consumed items are ranked too. The other items come back in `unranked`, in request order, to be appended rather than dropped: `hidden` (hidden or deleted) and `unscored` (neither in the served model nor in the catalogue: an unknown id; with Redis out, `degraded` says so, items added since the batch cannot be read and hidden items cannot be told apart). Items added since the batch are scored from their records (categories, provisional vector), read by id in the same round trip. Same reads as a recommendation less the vector query: at most one KV read (none when the isolate holds the list of the user) and one Redis round trip, which the rate limit check rides on.',
  },
  {
    method: 'delete',
    path: '/v1/users/{userId}',
    summary: "Erase a user's data",
    scope: 'write',
    params: userPathSchema,
    status: 202,
    response: userErasedSchema,
    description:
      "At once: the user's recent history, consumed set, online vector and top-N list of every version, the one a running batch writes included (Redis and Workers KV), so that the next answer for this id is a cold start. The next batch run deletes the user's events logged before the erasure from the event log and never trains on them (`events: \"pending\"` until then; a run refused for a log too large for a Worker leaves them to `npm run batch`); events sent after the erasure are kept, but the user gets no online vector until that run. Aggregates (trending counters) are not personal and stay; session lists carry no user id and expire after 30 minutes of inactivity; other isolates may answer from their memory copy of the user's top-N list until the next batch version. Erasing an unknown user succeeds.",
  },
  {
    method: 'get',
    path: '/v1/items/{itemId}/similar',
    summary: 'Similar items',
    scope: 'read',
    params: itemPathSchema,
    query: similarQuerySchema,
    status: 200,
    response: similarResponseSchema,
    description:
      "The item's precomputed neighbours of the served version (KV, then Redis), without hidden, deleted or `exclude`d items, and with `category=` only those of that category. An ANN query around the item's vector (the category in its metadata filter) answers for an item added since the batch (its provisional vector) and fills a list left short of `k` (by those rules, or by a `k` beyond the list's 50 items), after the list's own items (`source` tells them apart: their scores are on different scales). An unknown item gets an empty list, not an error.",
  },
  {
    method: 'get',
    path: '/v1/trending',
    summary: 'Trending items',
    scope: 'read',
    query: trendingQuerySchema,
    status: 200,
    response: trendingResponseSchema,
  },
  {
    method: 'post',
    path: '/v1/admin/batch',
    summary: 'Run the batch now',
    scope: 'admin',
    body: batchTriggerSchema,
    status: 202,
    response: adminAnswerSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/batch/{runId}',
    summary: 'Follow a batch run',
    scope: 'admin',
    params: runPathSchema,
    status: 200,
    response: adminAnswerSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/status',
    summary: 'Served version and its metrics',
    scope: 'admin',
    status: 200,
    response: adminAnswerSchema,
  },
  {
    method: 'post',
    path: '/v1/admin/rollback',
    summary: 'Roll back to the previous version',
    scope: 'admin',
    status: 200,
    response: adminAnswerSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/promotions',
    summary: 'List the promotions (promoted slots)',
    scope: 'admin',
    status: 200,
    response: promotionsSchema,
  },
  {
    method: 'put',
    path: '/v1/admin/promotions/{promotionId}',
    summary: 'Create or replace a promotion',
    scope: 'admin',
    params: promotionPathSchema,
    body: promotionBodySchema,
    status: 201,
    response: promotionSchema,
    extraResponses: { 200: promotionSchema },
    description: `Promoted slots in every recommendation while the promotion runs (\`startsAt\` ≤ now < \`endsAt\`): by position \`slots[i]\` the answer holds i + 1 of \`items\`. Items the user would have been shown there anyway count; otherwise the promotion's item with the best model score for this user among those a recommendation may show (not consumed, hidden, deleted, excluded or outside the requested category; known to the served model, or added since the batch and among the 50 newest such items) takes the slot and the items below move down, k unchanged. Promoted items are exempt from exposure caps and diversity, and get no freshness boost. A promoted item says \`promotion\` and, with \`explain=true\`, the rule \`promoted:<id>\`. Slots due at the same position go in slot order, then by promotion id. Rankings (\`/rank\`), similar items and trending are not promoted. 201 when created, 200 when replaced, 409 when ${MAX_PROMOTIONS} promotions are stored already; each PUT first deletes the promotions that have ended, and \`endsAt\` must lie in the future. Every recommendation reads the promotions in its Redis round trip, so a change applies to the next request.`,
  },
  {
    method: 'delete',
    path: '/v1/admin/promotions/{promotionId}',
    summary: 'Delete a promotion',
    scope: 'admin',
    params: promotionPathSchema,
    status: 204,
  },
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness and dependencies',
    status: 200,
    response: healthSchema,
  },
  { method: 'get', path: '/openapi.json', summary: 'This document', status: 200 },
  { method: 'get', path: '/docs', summary: 'This document as a page', status: 200 },
];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  delete out.$schema;
  return out as JsonSchema;
}

function parameters(
  where: 'path' | 'query' | 'header',
  schema: z.ZodObject | undefined,
): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** Builds the document (cheap; the route caches it per isolate). */
export function buildOpenApi(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, JsonSchema> = {
      [op.status]: op.response
        ? {
            description: 'Success',
            content: { 'application/json': { schema: jsonSchema(op.response, 'output') } },
          }
        : { description: 'Success' },
    };
    for (const [status, schema] of Object.entries(op.extraResponses ?? {})) {
      responses[status] = {
        description: 'Success',
        content: { 'application/json': { schema: jsonSchema(schema, 'output') } },
      };
    }
    if (op.scope) {
      responses['400'] = problemResponse('Invalid request (with `errors: [{path, message}]`)');
      responses['401'] = problemResponse('Missing or unknown API key');
      responses['403'] = problemResponse(`The key lacks the "${op.scope}" scope`);
      responses['429'] = problemResponse('Rate limit exhausted (see `Retry-After`)');
      responses['503'] = problemResponse('A dependency is unavailable');
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(op.scope
        ? { security: [{ bearer: [op.scope] }], 'x-scope': op.scope }
        : { security: [] }),
      parameters: [
        ...parameters('path', op.params),
        ...parameters('query', op.query),
        ...parameters('header', op.headers),
      ],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(op.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'edgerec API',
      version: '1.0.0',
      description:
        'Recommendations at the edge. JSON in and out; errors are application/problem+json (RFC 9457) with a stable `type`; `Authorization: Bearer <key>` with scopes read, write and admin.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
    },
    paths,
  };
}
