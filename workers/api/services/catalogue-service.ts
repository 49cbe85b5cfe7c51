/**
 * Catalogue writes: create, replace and delete items, one at a time or in batches. An item the
 * served version does not know becomes a cold-start item: listed as fresh and given a provisional
 * vector (its categories' centroid) in the version's vector namespace, so that it can be
 * recommended before the next batch.
 */
import { toMillis } from '../../../shared/domain/events';
import type { Item } from '../../../shared/domain/items';
import type { z } from 'zod';
import { ConflictError, NotFoundError } from '../../../shared/errors';
import { vectorNamespace } from '../../../shared/keys';
import { provisionalVector } from '../../../shared/pipeline/serving-model';
import type { VectorRecord } from '../../../shared/ports/vector-index';
import type { Deps } from '../app-env';
import type { itemFieldsSchema } from '../schemas';

type ItemFields = z.output<typeof itemFieldsSchema>;

export interface ItemWritten {
  item: Item;
  provisionalVector: boolean;
  modelVersion: string | null;
}

/** What became of one item of a write. */
export type ItemOutcome = 'created' | 'replaced' | 'existing';

/** One item to write: its id and validated fields. */
export interface ItemWrite {
  itemId: string;
  fields: ItemFields;
}

/** The result of `writeItems`: one entry per write, in order. */
export interface ItemsWritten {
  modelVersion: string | null;
  items: { item: Item; outcome: ItemOutcome; provisionalVector: boolean }[];
}

function toTime(value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return toMillis(value);
}

/** Builds the stored record from the validated fields. */
function record(itemId: string, fields: ItemFields, createdAt: number, nowMs: number): Item {
  return {
    itemId,
    ...(fields.title === undefined ? {} : { title: fields.title }),
    categories: fields.categories,
    tags: fields.tags,
    createdAt,
    hidden: fields.hidden,
    ...(fields.provider === undefined ? {} : { provider: fields.provider }),
    attributes: fields.attributes,
    updatedAt: nowMs,
  };
}

/**
 * Writes items with one Redis read (records and served version), one Redis transaction and at
 * most one vector upsert, whatever their number. A live item is left as it is (`skip`, outcome
 * `existing`) or replaced keeping its creation time unless given (`replace`); a deleted one is
 * created anew. Ids must be distinct (the schema checks it).
 */
export async function writeItems(
  deps: Deps,
  writes: readonly ItemWrite[],
  onExisting: 'skip' | 'replace',
  nowMs: number,
): Promise<ItemsWritten> {
  const { items: stored, version } = await deps.state.getItemsAndVersion(
    writes.map((w) => w.itemId),
  );
  const planned = writes.map(({ itemId, fields }, i) => {
    const existing = stored[i] ?? null;
    const live = existing !== null && !existing.deleted;
    if (live && onExisting === 'skip') return { item: existing, outcome: 'existing' as const };
    const createdAt = toTime(fields.createdAt, live ? existing.createdAt : nowMs);
    const outcome: ItemOutcome = live ? 'replaced' : 'created';
    return { item: record(itemId, fields, createdAt, nowMs), outcome };
  });
  const toWrite = planned.filter((p) => p.outcome !== 'existing').map((p) => p.item);
  if (toWrite.length === 0) {
    return {
      modelVersion: version,
      items: planned.map((p) => ({ ...p, provisionalVector: false })),
    };
  }

  deps.models.observe(version);
  const model =
    version === null ? null : await deps.models.get(version, deps.results).catch(() => null);
  const known = (item: Item) => model?.rowOf.has(item.itemId) ?? false;
  await deps.state.putItems(toWrite.map((item) => ({ item, fresh: !known(item) })));

  const vectors: VectorRecord[] = [];
  if (model) {
    for (const item of toWrite) {
      if (known(item) || item.hidden) continue;
      vectors.push({
        id: item.itemId,
        vector: Array.from(provisionalVector(model, item.categories)),
        metadata: {
          categories: item.categories,
          createdAt: item.createdAt,
          popularity: 0,
          provisional: true,
        },
      });
    }
  }
  let written = new Set<string>();
  if (model && vectors.length > 0) {
    try {
      await deps.vectors.upsert(vectorNamespace(model.version), vectors);
      written = new Set(vectors.map((v) => v.id));
    } catch {
      // The items are stored and listed as fresh; only the ANN path misses them until the next batch.
    }
  }
  return {
    modelVersion: version,
    items: planned.map((p) => ({
      ...p,
      provisionalVector: p.outcome !== 'existing' && written.has(p.item.itemId),
    })),
  };
}

/** The single-item answer of a one-item `writeItems`. */
function single(written: ItemsWritten): ItemWritten {
  const [only] = written.items;
  if (!only) throw new Error('writeItems returned no item for a one-item write');
  return {
    item: only.item,
    provisionalVector: only.provisionalVector,
    modelVersion: written.modelVersion,
  };
}

/** Creates an item; 409 when a live item with that id exists. */
export async function createItem(
  deps: Deps,
  itemId: string,
  fields: ItemFields,
  nowMs: number,
): Promise<ItemWritten> {
  const written = await writeItems(deps, [{ itemId, fields }], 'skip', nowMs);
  if (written.items[0]?.outcome === 'existing') {
    throw new ConflictError(`Item ${itemId} exists; use PUT /v1/items/${itemId} to replace it.`);
  }
  return single(written);
}

/** Creates or replaces an item (its creation time is kept unless given). */
export async function replaceItem(
  deps: Deps,
  itemId: string,
  fields: ItemFields,
  nowMs: number,
): Promise<ItemWritten> {
  return single(await writeItems(deps, [{ itemId, fields }], 'replace', nowMs));
}

/** The stored item (hidden ones too); 404 for an unknown or deleted one. */
export async function readItem(deps: Deps, itemId: string): Promise<Item> {
  const item = await deps.state.getItem(itemId);
  if (!item || item.deleted) throw new NotFoundError(`Item ${itemId} does not exist.`);
  return item;
}

/** Marks an item deleted (kept as a tombstone so that serving can drop it everywhere). */
export async function deleteItem(deps: Deps, itemId: string, nowMs: number): Promise<void> {
  const existing = await deps.state.getItem(itemId);
  if (!existing || existing.deleted) throw new NotFoundError(`Item ${itemId} does not exist.`);
  await deps.state.putItem(
    { ...existing, deleted: true, hidden: true, updatedAt: nowMs },
    { fresh: false },
  );
}
