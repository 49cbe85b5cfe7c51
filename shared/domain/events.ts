/** User events: the public input shape, and the shape stored in the durable event log. */
import { z } from 'zod';

/** Milliseconds since epoch of a time as the API and the importers take it: ms, or ISO 8601. */
export function toMillis(time: number | string): number {
  return typeof time === 'number' ? time : Date.parse(time);
}

export const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;
export const idSchema = z
  .string()
  .regex(ID_PATTERN, 'ids are 1-128 characters of A-Z a-z 0-9 _ . : @ -');

export const eventContextSchema = z
  .object({
    device: z.enum(['mobile', 'tablet', 'desktop', 'unknown']).optional(),
    country: z.string().length(2).optional(),
    colo: z.string().max(8).optional(),
  })
  .strict();

/** One event as a client sends it to `POST /v1/events`. */
export const eventInputSchema = z
  .object({
    id: idSchema.optional(),
    userId: idSchema,
    itemId: idSchema,
    type: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'event types are lowercase words'),
    value: z.number().finite().optional(),
    /** ms since epoch, or an ISO 8601 string; defaults to the time of ingestion. */
    timestamp: z
      .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
      .optional(),
    sessionId: idSchema.optional(),
    context: eventContextSchema.optional(),
  })
  .strict();

export const MAX_EVENTS_PER_REQUEST = 1000;

export const eventBatchSchema = z
  .object({ events: z.array(eventInputSchema).min(1).max(MAX_EVENTS_PER_REQUEST) })
  .strict();

export type EventInput = z.infer<typeof eventInputSchema>;

/**
 * The optional `Idempotency-Key` header of `POST /v1/events`: the same key sent again with the
 * same events makes them duplicates even when they have neither id nor timestamp.
 */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'idempotency keys are 1-255 visible ASCII characters');

/** An event as appended to the log (Redis stream field `e`): normalised, with id and time. */
export interface StoredEvent {
  /** Client id, or one derived from (userId, itemId, type, timestamp) when absent. */
  id: string;
  userId: string;
  itemId: string;
  type: string;
  value?: number;
  /** ms since epoch. */
  timestamp: number;
  sessionId?: string;
  context?: z.infer<typeof eventContextSchema>;
}

/** Default weight per event type (configurable via `EDGEREC_EVENT_WEIGHTS`). A rating multiplies its value. */
export const DEFAULT_EVENT_WEIGHTS: Readonly<Record<string, number>> = {
  view: 1,
  click: 2,
  like: 4,
  add_to_cart: 4,
  rating: 1,
  purchase: 8,
  dislike: 0,
};

/** One entry of a user's recent history (Redis `recent`), newest first by event time. */
export interface RecentItem {
  itemId: string;
  type: string;
  /** The event's weight (`eventWeights[type]`, times `value` for ratings). */
  weight: number;
  /** ms since epoch of the event. */
  timestamp: number;
}
