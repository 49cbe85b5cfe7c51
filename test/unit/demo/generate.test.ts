/** The demo generator: deterministic, valid for the public API, and shaped like real traffic. */
import { describe, expect, it } from 'vitest';
import { eventInputSchema } from '../../../shared/domain/events';
import { itemInputSchema } from '../../../shared/domain/items';
import { DEMO_EPOCH, generateDemo } from '../../../local/demo/generate';

const OPTIONS = { seed: 7, items: 1500, users: 200, events: 20_000 };
const data = generateDemo(OPTIONS);

describe('generateDemo', () => {
  it('is a pure function of its options', () => {
    expect(generateDemo(OPTIONS)).toEqual(data);
  });

  it('changes with the seed', () => {
    const other = generateDemo({ ...OPTIONS, seed: 8 });
    expect(other.events.map((e) => e.itemId)).not.toEqual(data.events.map((e) => e.itemId));
    expect(other.items.map((i) => i.title)).not.toEqual(data.items.map((i) => i.title));
  });

  it('produces exactly the requested counts, with unique ids', () => {
    expect(data.items).toHaveLength(OPTIONS.items);
    expect(data.users).toHaveLength(OPTIONS.users);
    expect(data.events).toHaveLength(OPTIONS.events);
    expect(new Set(data.items.map((i) => i.itemId)).size).toBe(OPTIONS.items);
    expect(new Set(data.events.map((e) => e.id)).size).toBe(OPTIONS.events);
  });

  it('produces items and events the public API accepts', () => {
    for (const item of data.items) expect(itemInputSchema.safeParse(item).success).toBe(true);
    for (const event of data.events) expect(eventInputSchema.safeParse(event).success).toBe(true);
  });

  it('uses about fifteen categories, each with items', () => {
    const used = new Set(data.items.flatMap((i) => i.categories));
    expect(data.categories).toHaveLength(15);
    expect(used.size).toBe(15);
  });

  it('spreads createdAt over months and places every event after its item and before endTime', () => {
    const created = data.items.map((i) => i.createdAt);
    const spanDays = (Math.max(...created) - Math.min(...created)) / 86_400_000;
    expect(spanDays).toBeGreaterThan(180);
    const createdOf = new Map(data.items.map((i) => [i.itemId, i.createdAt]));
    for (const e of data.events) {
      expect(e.timestamp).toBeGreaterThanOrEqual(createdOf.get(e.itemId)!);
      expect(e.timestamp).toBeLessThanOrEqual(DEMO_EPOCH);
    }
    const times = data.events.map((e) => e.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('skews item popularity (Zipf): a tenth of the catalogue takes a large share of the events', () => {
    const counts = new Map<string, number>();
    for (const e of data.events) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    const sorted = data.items.map((i) => counts.get(i.itemId) ?? 0).sort((a, b) => b - a);
    const top = sorted.slice(0, Math.ceil(sorted.length / 10)).reduce((a, b) => a + b, 0);
    // Uniform popularity would give the top 10% about 10-15% of the events.
    expect(top / data.events.length).toBeGreaterThan(0.4);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    expect(sorted[0]!).toBeGreaterThan(10 * Math.max(1, median));
  });

  it('follows each user’s category preferences', () => {
    const categoriesOf = new Map(data.items.map((i) => [i.itemId, i.categories]));
    const favouritesOf = new Map(data.users.map((u) => [u.userId, u.favourites]));
    let inFavourites = 0;
    for (const e of data.events) {
      const favourites = favouritesOf.get(e.userId)!;
      if (categoriesOf.get(e.itemId)!.some((c) => favourites.includes(c))) inFavourites++;
    }
    // Two or three favourites out of fifteen categories: ~17% without preferences.
    expect(inFavourites / data.events.length).toBeGreaterThan(0.6);
  });

  it('keeps the event-type funnel: views > clicks > likes, ratings and purchases are rare', () => {
    const byType = new Map<string, number>();
    for (const e of data.events) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    const share = (t: string) => (byType.get(t) ?? 0) / data.events.length;
    expect([...byType.keys()].sort()).toEqual(['click', 'like', 'purchase', 'rating', 'view']);
    expect(share('view')).toBeGreaterThan(0.6);
    expect(share('click')).toBeGreaterThan(share('like'));
    expect(share('like')).toBeGreaterThan(share('purchase'));
    expect(share('purchase')).toBeLessThan(0.03);
    for (const e of data.events) {
      if (e.type === 'rating') expect(e.value).toBeGreaterThanOrEqual(1);
      else expect(e.value).toBeUndefined();
    }
  });

  it('gives every user at least one session, and some users many more (activity skew)', () => {
    const perUser = new Map<string, number>();
    for (const e of data.events) perUser.set(e.userId, (perUser.get(e.userId) ?? 0) + 1);
    expect(perUser.size).toBe(OPTIONS.users);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    expect(counts[0]!).toBeGreaterThan(5 * counts[Math.floor(counts.length / 2)]!);
  });

  it('groups events into sessions of one user, ordered in time', () => {
    const sessions = new Map<string, string>();
    for (const e of data.events) {
      const owner = sessions.get(e.sessionId);
      if (owner !== undefined) expect(owner).toBe(e.userId);
      sessions.set(e.sessionId, e.userId);
    }
    expect(sessions.size).toBeGreaterThan(OPTIONS.users);
    expect(sessions.size).toBeLessThan(OPTIONS.events / 2);
  });

  it('rejects counts that are not positive integers', () => {
    expect(() => generateDemo({ ...OPTIONS, items: 0 })).toThrow(RangeError);
    expect(() => generateDemo({ ...OPTIONS, events: 1.5 })).toThrow(RangeError);
  });

  it('fails clearly when no item exists early enough to receive events', () => {
    expect(() =>
      generateDemo({
        seed: 1,
        items: 3,
        users: 2,
        events: 10,
        catalogueDays: 0.0001,
        eventDays: 100,
      }),
    ).toThrow(/no item exists early enough/);
  });
});
