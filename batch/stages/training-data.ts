/**
 * Training-data stage: turns a snapshot into the `Interactions` matrix (event weights from the
 * configuration, the same the real-time loop uses) and the per-item facts the edge needs.
 */
import type { ItemFacts } from '../../shared/domain/artefacts';
import type { Item } from '../../shared/domain/items';
import { interactionsFromEvents } from '../../shared/training/interactions';
import type { Interactions } from '../../shared/training/types';
import type { Snapshot } from './snapshot';

export interface TrainingData {
  interactions: Interactions;
  /** Facts per item, indexed like `interactions.itemIds`. */
  items: ItemFacts[];
  /** Creation time per item for vector metadata: the catalogue's, else the item's first event. */
  createdAt: Float64Array;
  /** Catalogue records by id (categories for popularity lists and affinities). */
  catalogue: Map<string, Item>;
}

/** Builds the matrix and the item facts; popularity is the weighted interaction count per item. */
export function buildTrainingData(
  snapshot: Snapshot,
  eventWeights: Readonly<Record<string, number>>,
): TrainingData {
  const interactions = interactionsFromEvents(snapshot.events.events(), { weights: eventWeights });
  const catalogue = new Map(snapshot.items.map((item) => [item.itemId, item]));
  const firstSeen = snapshot.events.firstSeen();
  const nItems = interactions.itemIds.length;
  const popularity = new Float64Array(nItems);
  for (let e = 0; e < interactions.values.length; e++) {
    popularity[interactions.cols[e]!] =
      popularity[interactions.cols[e]!]! + interactions.values[e]!;
  }
  const createdAt = new Float64Array(nItems);
  const items: ItemFacts[] = interactions.itemIds.map((id, i) => {
    const record = catalogue.get(id);
    createdAt[i] = record?.createdAt ?? firstSeen.get(id) ?? 0;
    return {
      categories: record?.categories ?? [],
      createdAt: record?.createdAt ?? null,
      popularity: popularity[i]!,
    };
  });
  return { interactions, items, createdAt, catalogue };
}
