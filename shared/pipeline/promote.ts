/**
 * Promoted slots (shared/domain/promotions.ts) on a ranked answer. Pure: the caller scores each
 * promotion's eligible items; this places them.
 */

/** One active promotion as ranking sees it. */
export interface PromotedGroup<T> {
  promotionId: string;
  /** 1-based positions, strictly increasing: by position slots[i] the answer holds i + 1 items. */
  slots: readonly number[];
  /** Every item the promotion names: these count wherever they appear. */
  members: ReadonlySet<string>;
  /** Its eligible items for this request, best first (what an unmet slot takes), marked as its. */
  items: readonly T[];
}

/**
 * The first `k` positions, filled one at a time: an unmet slot of a promotion that is due (its
 * position reached) takes that promotion's best item not yet placed, unless the next organic item
 * is one the promotion names; otherwise the next organic item takes the position. Organic items a
 * promotion names count towards its slots, so a promotion changes nothing for a user who would
 * see its items by their slots anyway. Slots due at the same position go in slot order, then by
 * promotion id; the later one takes the next position. A promotion without items left gives up
 * its slots; the organic items it displaces drop off the end.
 */
export function placePromotions<T extends { itemId: string }>(
  organic: readonly T[],
  groups: readonly PromotedGroup<T>[],
  k: number,
): T[] {
  const out: T[] = [];
  const placed = new Set<string>();
  const state = groups.map((group) => ({ group, met: 0, next: 0 }));
  let o = 0;
  while (out.length < k) {
    const position = out.length + 1;
    const due = state
      .filter((s) => s.met < s.group.slots.length && s.group.slots[s.met]! <= position)
      .sort(
        (a, b) =>
          a.group.slots[a.met]! - b.group.slots[b.met]! ||
          (a.group.promotionId < b.group.promotionId ? -1 : 1),
      );
    while (o < organic.length && placed.has(organic[o]!.itemId)) o++;
    const own = organic[o];
    // The next organic item meets a due slot itself when that promotion names it.
    let next: T | undefined;
    if (!own || !due.some((s) => s.group.members.has(own.itemId))) {
      for (const s of due) {
        const items = s.group.items;
        while (s.next < items.length && placed.has(items[s.next]!.itemId)) s.next++;
        if (s.next < items.length) {
          next = items[s.next++]!;
          break;
        }
      }
    }
    if (!next) {
      if (!own) break;
      next = own;
      o++;
    }
    out.push(next);
    placed.add(next.itemId);
    for (const s of state) if (s.group.members.has(next.itemId)) s.met++;
  }
  return out;
}
