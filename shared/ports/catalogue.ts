/** Port: bulk access to the item catalogue, as the batch and the importers need it. */
import type { Item } from '../domain/items';

export interface Catalogue {
  /** Number of items in the catalogue. */
  count(): Promise<number>;
  /** Every item, read in chunks; ids listed but without a record are skipped. */
  all(onProgress?: (done: number, total: number) => void): Promise<Item[]>;
  /** Inserts or replaces items (record and index entry) in pipelines the adapter sizes. */
  put(items: readonly Item[]): Promise<void>;
  /**
   * Removes from the fresh-items set the ids in `itemIds` that were created at or before
   * `createdBefore` (ms): the batch covered them, so they are no longer cold-start items.
   */
  clearFresh(itemIds: readonly string[], createdBefore: number): Promise<number>;
}
