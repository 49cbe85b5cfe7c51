/**
 * The isolate's copy of neighbour lists of the served version, by item. Like top-N lists they
 * never change within a version, and every user whose recent items include an item needs the same
 * list: once held, the serving-state script is told (a bitmap over item rows) not to send it
 * again. That list text was three quarters of a cache hit's Redis reply.
 */
import type { ScoredItem } from '../../../shared/domain/artefacts';
import { VersionedLru } from './versioned-lru';

/** Estimated heap bytes of a list entry (`{itemId, score}`) and of a list's own overhead. */
const BYTES_PER_NEIGHBOUR = 96;
const BYTES_PER_LIST = 160;
/** Rows beyond this are never declared held (the bitmap travels with every request: 4 KiB of hex). */
export const MAX_HELD_ROWS = 16_384;

export class NeighbourCache {
  private readonly lists: VersionedLru<{ list: ScoredItem[]; row: number }>;
  /** One bit per row (of the rows below MAX_HELD_ROWS) whose list is held. */
  private bits = new Uint8Array(0);
  /** The hex form of `bits`, rebuilt on the first read after a change. */
  private hex: string | null = null;

  /** `maxBytes`: the estimated heap the lists may take (default 16 MiB). */
  constructor(maxBytes = 16 * 1024 * 1024) {
    this.lists = new VersionedLru(maxBytes, (_, dropped) => this.mark(dropped.row, false));
  }

  /** The list of `itemId` in `version`, if held. */
  get(version: string, itemId: string): ScoredItem[] | undefined {
    return this.lists.get(version, itemId)?.value.list;
  }

  /** Keeps the list of `itemId` (at `row` of the version's items) in `version`. */
  set(version: string, itemId: string, row: number, list: ScoredItem[]): void {
    const bytes = BYTES_PER_LIST + list.length * BYTES_PER_NEIGHBOUR;
    if (this.lists.set(version, itemId, { list, row }, bytes)) this.mark(row, true);
  }

  /**
   * The rows held in `version` as hex (bit `r % 4` of digit `⌊r / 4⌋` is row r), or null when
   * none are: the form `ServingStateQuery.heldNeighbours` takes.
   */
  heldRows(version: string): string | null {
    if (!this.lists.holds(version)) return null;
    if (this.hex === null) {
      let text = '';
      for (const byte of this.bits) text += (byte & 15).toString(16) + (byte >> 4).toString(16);
      this.hex = text;
    }
    return this.hex;
  }

  /** Lists held (for tests and diagnostics). */
  get size(): number {
    return this.lists.size;
  }

  private mark(row: number, held: boolean): void {
    if (row < 0 || row >= MAX_HELD_ROWS) return;
    const at = row >> 3;
    if (at >= this.bits.length) {
      if (!held) return;
      const grown = new Uint8Array(
        Math.min(MAX_HELD_ROWS / 8, Math.max(at + 1, this.bits.length * 2)),
      );
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (row & 7);
    this.bits[at] = held ? this.bits[at]! | mask : this.bits[at]! & ~mask;
    this.hex = null;
  }
}
