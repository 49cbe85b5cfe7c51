/**
 * Promoted slots: a business rule of ranking. A promotion names items (a campaign) and the
 * positions by which its items must appear: slots [1, 5] mean at least one of them in the first
 * position and two in the first five. Items the user would have been shown anyway count; the rest
 * are the promotion's best-scored eligible items for this user, inserted at their slots.
 */

/** Most promotions stored at once (every recommendation reads all of them). */
export const MAX_PROMOTIONS = 20;
/** Most items one promotion names. */
export const MAX_PROMOTED_ITEMS = 100;
/** Most slots of one promotion. */
export const MAX_PROMOTION_SLOTS = 10;

/** A promotion as stored (Redis `promotions`) and served. */
export interface Promotion {
  promotionId: string;
  items: string[];
  slots: number[];
  /** ms since epoch. */
  startsAt: number;
  /** ms since epoch; null: no end. */
  endsAt: number | null;
  description?: string;
  updatedAt: number;
}

/** What a client sends (`PUT /v1/admin/promotions/{promotionId}`), times in ms. */
export interface PromotionInput {
  items: string[];
  slots: number[];
  startsAt?: number;
  endsAt?: number;
  description?: string;
}

/** The stored form of `input`, written at `nowMs`. */
export function toPromotion(promotionId: string, input: PromotionInput, nowMs: number): Promotion {
  return {
    promotionId,
    items: input.items,
    slots: input.slots,
    startsAt: input.startsAt ?? nowMs,
    endsAt: input.endsAt ?? null,
    ...(input.description === undefined ? {} : { description: input.description }),
    updatedAt: nowMs,
  };
}

/** True while the promotion runs: from `startsAt` (inclusive) to `endsAt` (exclusive). */
export function isActive(p: Promotion, nowMs: number): boolean {
  return p.startsAt <= nowMs && (p.endsAt === null || nowMs < p.endsAt);
}
