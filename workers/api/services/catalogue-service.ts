/**
 * Catalogue writes: create, replace and delete items. An item the served version does not know
 * becomes a cold-start item: listed as fresh and given a provisional vector (its categories'
 * centroid) in the version's vector namespace, so that it can be recommended before the next batch.
 */
import type { Item } from '../../../shared/domain/items';
import type { z } from 'zod';
import { ConflictError, NotFoundError } from '../../../shared/errors';
import { vectorNamespace } from '../../../shared/keys';
import { provisionalVector } from '../../../shared/pipeline/serving-model';
import type { Deps } from '../app-env';
import type { itemFieldsSchema } from '../schemas';

type ItemFields = z.output<typeof itemFieldsSchema>;

export interface ItemWritten {
  item: Item;
  provisionalVector: boolean;
  modelVersion: string | null;
}

function toTime(value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return typeof value === 'number' ? value : Date.parse(value);
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

/** Creates an item; 409 when a live item with that id exists. */
export async function createItem(
  deps: Deps,
  itemId: string,
  fields: ItemFields,
  nowMs: number,
): Promise<ItemWritten> {
  const { item: existing, version } = await deps.state.getItemAndVersion(itemId);
  if (existing && !existing.deleted) {
    throw new ConflictError(`Item ${itemId} exists; use PUT /v1/items/${itemId} to replace it.`);
  }
  return await writeItem(
    deps,
    record(itemId, fields, toTime(fields.createdAt, nowMs), nowMs),
    version,
  );
}

/** Creates or replaces an item (its creation time is kept unless given). */
export async function replaceItem(
  deps: Deps,
  itemId: string,
  fields: ItemFields,
  nowMs: number,
): Promise<ItemWritten> {
  const { item: existing, version } = await deps.state.getItemAndVersion(itemId);
  const createdAt = toTime(fields.createdAt, existing?.createdAt ?? nowMs);
  return await writeItem(deps, record(itemId, fields, createdAt, nowMs), version);
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

async function writeItem(deps: Deps, item: Item, version: string | null): Promise<ItemWritten> {
  deps.models.observe(version);
  const model =
    version === null ? null : await deps.models.get(version, deps.results).catch(() => null);
  const known = model?.rowOf.has(item.itemId) ?? false;
  await deps.state.putItem(item, { fresh: !known });
  let provisional = false;
  if (model && !known && !item.hidden) {
    const vector = provisionalVector(model, item.categories);
    try {
      await deps.vectors.upsert(vectorNamespace(model.version), [
        {
          id: item.itemId,
          vector: Array.from(vector),
          metadata: {
            categories: item.categories,
            createdAt: item.createdAt,
            popularity: 0,
            provisional: true,
          },
        },
      ]);
      provisional = true;
    } catch {
      // The item is stored and listed as fresh; only the ANN path misses it until the next batch.
    }
  }
  return { item, provisionalVector: provisional, modelVersion: version };
}
