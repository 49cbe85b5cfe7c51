/** Catalogue items: the public input shape and the stored shape. */
import { z } from 'zod';
import { idSchema } from './events';

export const itemFieldsSchema = z
  .object({
    title: z.string().max(500).optional(),
    categories: z.array(z.string().min(1).max(64)).max(32).default([]),
    tags: z.array(z.string().min(1).max(64)).max(64).default([]),
    /** ms since epoch or ISO 8601; defaults to the time of the request. */
    createdAt: z
      .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
      .optional(),
    hidden: z.boolean().default(false),
    /** Provider (for exposure caps) and free-form attributes. */
    provider: z.string().max(128).optional(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  })
  .strict();

export const itemInputSchema = itemFieldsSchema.extend({ itemId: idSchema }).strict();

/**
 * Most items in one `POST /v1/items` batch: as many as events per request, and as many records as
 * one Upstash Vector upsert accepts, so that a batch costs one upsert request.
 */
export const MAX_ITEMS_PER_REQUEST = 1000;

/** An item as stored (Redis `item`). */
export interface Item {
  itemId: string;
  title?: string;
  categories: string[];
  tags: string[];
  createdAt: number;
  hidden: boolean;
  deleted?: boolean;
  provider?: string;
  attributes: Record<string, string | number | boolean>;
  updatedAt: number;
}
