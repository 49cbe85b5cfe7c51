/** Turns the generated demo data set (local/demo) into stored events and catalogue items. */
import type { DemoData } from '../../local/demo/generate';
import type { StoredEvent } from '../../shared/domain/events';
import type { Item } from '../../shared/domain/items';

/** The demo data in the shapes the event log and the catalogue store. */
export function demoToStored(data: DemoData): { events: StoredEvent[]; items: Item[] } {
  const events = data.events.map((e): StoredEvent => {
    const stored: StoredEvent = {
      id: e.id,
      userId: e.userId,
      itemId: e.itemId,
      type: e.type,
      timestamp: e.timestamp,
      sessionId: e.sessionId,
    };
    if (e.value !== undefined) stored.value = e.value;
    if (e.context !== undefined) stored.context = e.context;
    return stored;
  });
  const items = data.items.map((d): Item => ({
    itemId: d.itemId,
    title: d.title,
    categories: d.categories,
    tags: d.tags,
    createdAt: d.createdAt,
    hidden: false,
    provider: d.provider,
    attributes: d.attributes,
    updatedAt: d.createdAt,
  }));
  return { events, items };
}
