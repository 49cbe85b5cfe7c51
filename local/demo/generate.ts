/**
 * The demo data set of `npm start`: a synthetic catalogue and event history, a pure function of a
 * seed. It is the project's own data (no third-party data set), shaped so that the recommender has
 * something real to learn: users with category preferences, Zipf-skewed item popularity, coherent
 * sessions, and the usual funnel of event types (many views, fewer clicks, few purchases).
 */
import type { EventInput } from '../../shared/domain/events';
import { createRng, type Rng } from '../../shared/training/random';
import {
  DEMO_CATEGORIES,
  DEMO_COUNTRIES,
  DEMO_PROVIDERS,
  DEMO_TAGS,
  TITLE_ADJECTIVES,
  TITLE_PLACES,
} from './vocabulary';
import { createWeightedSampler, zipfWeights, type WeightedSampler } from './weighted-sampler';

const DAY_MS = 24 * 3600 * 1000;

/** Default end of the generated history (fixed so that the default output never depends on the clock). */
export const DEMO_EPOCH = Date.UTC(2026, 0, 1);

export interface DemoOptions {
  seed: number;
  /** Number of catalogue items. */
  items: number;
  /** Number of users; every user gets at least one session while events remain. */
  users: number;
  /** Exact number of events. */
  events: number;
  /** ms since epoch of the latest possible event; defaults to `DEMO_EPOCH`. */
  endTime?: number;
  /** Days of catalogue history before `endTime` (default 365). */
  catalogueDays?: number;
  /** Days of event history before `endTime` (default 120). */
  eventDays?: number;
}

/** A catalogue item, in the shape `POST /v1/items` accepts. */
export interface DemoItem {
  itemId: string;
  title: string;
  categories: string[];
  tags: string[];
  createdAt: number;
  provider: string;
  attributes: { price: number; language: string };
}

/** A user and the share of attention they give each category (sums to 1). */
export interface DemoUser {
  userId: string;
  preferences: Record<string, number>;
  /** The two or three categories the user mostly visits, strongest first. */
  favourites: string[];
}

/** A demo event, in the shape `POST /v1/events` accepts (always with id, time and session). */
export type DemoEvent = EventInput & { id: string; timestamp: number; sessionId: string };

export interface DemoData {
  categories: string[];
  items: DemoItem[];
  users: DemoUser[];
  /** Sorted by timestamp (ties by id). */
  events: DemoEvent[];
}

/**
 * Funnel probabilities per viewed item. The ratios follow the usual e-commerce/media funnel
 * (a click-through of a few tens of percent, explicit feedback and purchases in the low percents).
 */
const FUNNEL = { click: 0.3, like: 0.06, rating: 0.04, purchase: 0.02 } as const;
/** Share of steps that pick a category from the user's preferences (the rest explore uniformly). */
const PREFERENCE_FOLLOWING = 0.85;
/** Share of steps that stay in the previous item's category (session coherence, for item-to-item). */
const SESSION_COHERENCE = 0.35;
/** Zipf exponents: item popularity within a category, and user activity. */
const ITEM_ZIPF = 1.0;
const USER_ZIPF = 0.8;

/** Generates the demo data set; the same options always give the same data. */
export function generateDemo(options: DemoOptions): DemoData {
  const { seed, endTime = DEMO_EPOCH, catalogueDays = 365, eventDays = 120 } = options;
  for (const [name, value] of Object.entries({
    items: options.items,
    users: options.users,
    events: options.events,
  })) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be an integer >= 1`);
  }
  const rng = createRng(seed);
  const categories = DEMO_CATEGORIES.map((c) => c.id);
  const items = generateItems(rng, options.items, endTime, catalogueDays);
  const users = generateUsers(rng, options.users, categories);
  const events = generateEvents(rng, {
    seed,
    items,
    users,
    categories,
    count: options.events,
    endTime,
    eventDays,
  });
  return { categories, items, users, events };
}

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(list.length)]!;
}

function generateItems(rng: Rng, count: number, endTime: number, days: number): DemoItem[] {
  // Categories differ in size: the sampler favours some of them (which ones depends on the seed).
  const categorySampler = createWeightedSampler(DEMO_CATEGORIES.map(() => 0.5 + rng.next()));
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => {
    const category = DEMO_CATEGORIES[categorySampler(rng.next())]!;
    const categories = [category.id];
    if (rng.next() < 0.15) {
      const second = pick(rng, DEMO_CATEGORIES).id;
      if (second !== category.id) categories.push(second);
    }
    let title = `${pick(rng, TITLE_ADJECTIVES)} ${pick(rng, category.nouns)}`;
    if (rng.next() < 0.3) title += ` of ${pick(rng, TITLE_PLACES)}`;
    const tags = [pick(rng, DEMO_TAGS)];
    if (rng.next() < 0.4) {
      const tag = pick(rng, DEMO_TAGS);
      if (tag !== tags[0]) tags.push(tag);
    }
    // A few percent of the catalogue is brand new (the last week), the rest spread over `days`.
    const ageMs = rng.next() < 0.04 ? rng.next() * 7 * DAY_MS : rng.next() * days * DAY_MS;
    return {
      itemId: `item-${String(i + 1).padStart(width, '0')}`,
      title,
      categories,
      tags,
      createdAt: Math.floor((endTime - ageMs) / 1000) * 1000,
      provider: pick(rng, DEMO_PROVIDERS),
      attributes: { price: Math.round(2 + rng.next() * 48) - 0.01, language: 'en' },
    };
  });
}

/** The id of the `index`-th (0-based) of `count` demo users. */
export function demoUserId(index: number, count: number): string {
  return `user-${String(index + 1).padStart(String(count).length, '0')}`;
}

function generateUsers(rng: Rng, count: number, categories: string[]): DemoUser[] {
  return Array.from({ length: count }, (_, i) => {
    const favourites: string[] = [];
    const wanted = 2 + rng.int(2);
    while (favourites.length < wanted) {
      const c = pick(rng, categories);
      if (!favourites.includes(c)) favourites.push(c);
    }
    // Strong, decreasing weights on the favourites and a small floor everywhere else.
    const raw: Record<string, number> = Object.fromEntries(categories.map((c) => [c, 0.02]));
    favourites.forEach((c, rank) => (raw[c] = (1 / (rank + 1)) * (0.6 + 0.4 * rng.next())));
    const total = Object.values(raw).reduce((a, b) => a + b, 0);
    const preferences = Object.fromEntries(categories.map((c) => [c, raw[c]! / total]));
    return { userId: demoUserId(i, count), preferences, favourites };
  });
}

interface EventPlan {
  seed: number;
  items: DemoItem[];
  users: DemoUser[];
  categories: string[];
  count: number;
  endTime: number;
  eventDays: number;
}

function generateEvents(rng: Rng, plan: EventPlan): DemoEvent[] {
  const { items, users, categories, count, endTime } = plan;
  const start = endTime - plan.eventDays * DAY_MS;

  // Per category: its items in a seeded random order, and a Zipf sampler over that order, so that
  // every category has its own few hits and a long tail.
  const byCategory = new Map<string, DemoItem[]>(categories.map((c) => [c, []]));
  for (const item of items) for (const c of item.categories) byCategory.get(c)!.push(item);
  const categoryItems = new Map<string, { list: DemoItem[]; sampler: WeightedSampler }>();
  for (const [c, list] of byCategory) {
    if (list.length === 0) continue;
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    categoryItems.set(c, {
      list,
      sampler: createWeightedSampler(zipfWeights(list.length, ITEM_ZIPF)),
    });
  }
  const present = [...categoryItems.keys()];
  const preferenceSamplers = users.map((u) =>
    createWeightedSampler(present.map((c) => u.preferences[c] ?? 0)),
  );
  const userOrder = users.map((_, i) => i);
  for (let i = userOrder.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [userOrder[i], userOrder[j]] = [userOrder[j]!, userOrder[i]!];
  }
  const activity = new Array<number>(users.length);
  zipfWeights(users.length, USER_ZIPF).forEach((w, rank) => (activity[userOrder[rank]!] = w));
  const userSampler = createWeightedSampler(activity);
  const profiles = users.map(() => ({
    device: rng.next() < 0.55 ? 'mobile' : rng.next() < 0.8 ? 'desktop' : 'tablet',
    country:
      DEMO_COUNTRIES[Math.min(rng.int(DEMO_COUNTRIES.length), rng.int(DEMO_COUNTRIES.length))]!,
    sessions: 0,
  }));

  const events: DemoEvent[] = [];
  let sessionCount = 0;
  const emit = (e: Omit<DemoEvent, 'id'>) => {
    events.push({ id: `demo${plan.seed}-${events.length + 1}`, ...e });
  };
  // Draws an item the user could have seen at time t (created before t), or null after a few tries.
  const drawItem = (userIndex: number, previous: DemoItem | null, t: number): DemoItem | null => {
    for (let attempt = 0; attempt < 8; attempt++) {
      let category: string;
      if (previous && rng.next() < SESSION_COHERENCE) category = previous.categories[0]!;
      else if (rng.next() < PREFERENCE_FOLLOWING)
        category = present[preferenceSamplers[userIndex]!(rng.next())]!;
      else category = pick(rng, present);
      const pool = categoryItems.get(category);
      if (!pool) continue;
      const item = pool.list[pool.sampler(rng.next())]!;
      if (item.createdAt <= t && item !== previous) return item;
    }
    return null;
  };

  let idleSessions = 0;
  while (events.length < count) {
    // Guards against options that leave nothing to draw (e.g. every item created after every event).
    if (idleSessions > 10 * users.length + 1000)
      throw new RangeError('cannot place events: no item exists early enough in the event window');
    const before = events.length;
    // The first pass gives every user one session; later sessions follow the activity skew.
    const userIndex = sessionCount < users.length ? sessionCount : userSampler(rng.next());
    sessionCount++;
    const user = users[userIndex]!;
    const profile = profiles[userIndex]!;
    const sessionId = `${user.userId}-s${++profile.sessions}`;
    const context = {
      device: (rng.next() < 0.8 ? profile.device : pick(rng, ['mobile', 'desktop', 'tablet'])) as
        'mobile' | 'desktop' | 'tablet',
      country: profile.country,
    };
    // Session length: geometric with mean ~6 steps, capped.
    let steps = 1;
    while (steps < 25 && rng.next() < 0.83) steps++;
    let t = Math.floor(start + rng.next() * (endTime - start - 3600 * 1000));
    let previous: DemoItem | null = null;
    for (let s = 0; s < steps && events.length < count && t <= endTime; s++) {
      const item = drawItem(userIndex, previous, t);
      if (!item) break;
      previous = item;
      const base = { userId: user.userId, itemId: item.itemId, sessionId, context };
      emit({ ...base, type: 'view', timestamp: t });
      let u = t;
      const later = () => (u += 5_000 + rng.int(55_000));
      const favoured = user.favourites.some((f) => item.categories.includes(f));
      if (rng.next() < FUNNEL.click && events.length < count)
        emit({ ...base, type: 'click', timestamp: later() });
      if (rng.next() < FUNNEL.like * (favoured ? 1.5 : 0.5) && events.length < count)
        emit({ ...base, type: 'like', timestamp: later() });
      if (rng.next() < FUNNEL.rating && events.length < count) {
        // Ratings lean high inside the user's favourite categories, lower outside them.
        const value = favoured ? 3 + rng.int(3) : 1 + rng.int(4);
        emit({ ...base, type: 'rating', value, timestamp: later() });
      }
      if (rng.next() < FUNNEL.purchase && events.length < count)
        emit({ ...base, type: 'purchase', timestamp: later() });
      t = u + 20_000 + rng.int(220_000);
    }
    idleSessions = events.length === before ? idleSessions + 1 : 0;
  }
  for (const e of events) e.timestamp = Math.min(e.timestamp, endTime);
  return events.sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : 1));
}
