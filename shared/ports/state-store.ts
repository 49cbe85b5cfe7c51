/**
 * Port: the request-time state in Redis that the edge reads and writes per request — one round
 * trip for everything a recommendation needs, one for a batch of events.
 */
import type { OnlineUserVector, ScoredItem, TopNRecord } from '../domain/artefacts';
import type { RecentItem, StoredEvent } from '../domain/events';
import type { Item } from '../domain/items';
import type { Promotion } from '../domain/promotions';
import type { SharedRoundTrip } from './shared-round-trip';

/** What one recommendation request asks of Redis. */
export interface ServingStateQuery {
  userId: string;
  sessionId?: string;
  /** Also read the per-category trending list of this category. */
  category?: string;
  /** Also read the trending list of this edge location. */
  colo?: string;
  /** False (`EDGEREC_REALTIME=off`): recent, session, consumed and online vector are not read. */
  realtime: boolean;
  trendingLimit: number;
  freshLimit: number;
  /** Number of recent/session items whose neighbour lists are read. */
  neighbourSeeds: number;
  /**
   * The version whose top-N list of this user the caller already knows (holds it, or knows there
   * is none): when it is still the served one, `topN` comes back null without being read.
   */
  knownTopN?: string;
  /**
   * Neighbour lists the caller already holds for `version`, as a bitmap over the version's item
   * rows (`manifest.itemIds` order) in hex: bit `r % 4` of hex digit `⌊r / 4⌋` is row r. Those
   * seeds come back in `heldNeighbours` instead of `neighbours`.
   */
  heldNeighbours?: { version: string; rows: string };
  /**
   * Also read the records of these items (a ranking's items that the caller's model lacks, which
   * the fresh list may not reach); they come back in `items`.
   */
  itemRecords?: readonly string[];
  /** Also read the promotions (promoted slots of a recommendation); they come back in `promotions`. */
  promotions?: boolean;
  /** Other calls of the same request that travel in this round trip (the rate limit check). */
  trip?: SharedRoundTrip;
}

/** Trending lists; scores are log2 time-shifted weights (see shared/pipeline/trending-decay.ts). */
export interface TrendingLists {
  global: ScoredItem[];
  category?: ScoredItem[];
  colo?: ScoredItem[];
}

/** Everything one recommendation request reads from Redis, gathered in one round trip. */
export interface ServingState {
  /** The served version, or null before the first batch. */
  version: string | null;
  /** Redis copy of the user's top-N record of `version` (used when the KV copy is missing). */
  topN: TopNRecord | null;
  recent: RecentItem[];
  session: string[];
  consumed: string[];
  onlineVector: OnlineUserVector | null;
  /** Neighbour lists of the recent/session seed items, under `version`. */
  neighbours: Map<string, ScoredItem[]>;
  /** Seeds whose lists the caller said it holds (`ServingStateQuery.heldNeighbours`): not sent. */
  heldNeighbours: string[];
  trending: TrendingLists;
  /** Records of the newest fresh (cold-start) items. */
  fresh: Item[];
  /** Hidden or deleted item ids. */
  hidden: string[];
  /** Records of `ServingStateQuery.itemRecords` that exist and are not deleted. */
  items: Item[];
  /** Every stored promotion, active or not, when `ServingStateQuery.promotions` asked for them. */
  promotions: Promotion[];
}

/** What storing a promotion did: created, replaced, or refused (`MAX_PROMOTIONS` held already). */
export type PromotionWrite = 'created' | 'replaced' | 'full';

/** An event ready to be ingested: normalised, with its weight and, when known, its categories. */
export interface IngestEvent extends StoredEvent {
  weight: number;
  /** Categories of the item from the served manifest; null lets the store read the item record. */
  categories: string[] | null;
}

/** Settings of the real-time updates. */
export interface IngestSettings {
  /** Half-life of the trending decay, ms. */
  trendingHalfLifeMs: number;
  /** How many members each trending ZSET keeps. */
  trendingCap: number;
  /** How long the consumed set lives after its last write, seconds. */
  consumedTtlSeconds: number;
  /** Read back per user what fold-in needs (recent weights, online vector's tag, batch vector). */
  returnUsers: boolean;
}

/**
 * What fold-in needs of one user after the events were applied, and no more (100 users' recent
 * lists and vectors in full made the answer of a 100-event request ~1 MB of JSON).
 */
export interface IngestedUser {
  /** The recent list summed per item (rᵤᵢ of fold-in), weights > 0, in no particular order. */
  recentWeights: { itemId: string; weight: number }[];
  /**
   * Version tag and event count of the stored online vector when it belongs to the served version
   * (null otherwise: the count starts over); its values are recomputed anyway.
   */
  online: { version: string; events: number } | null;
  /** The batch vector of the user's top-N record of the served version, if any. */
  batchVector: number[] | null;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** Ids of the events that were new (appended to the log). */
  acceptedIds: string[];
  version: string | null;
  users: Map<string, IngestedUser>;
}

export interface UserErasure {
  /** ms since epoch (the store's clock). */
  erasedAt: number;
  keysDeleted: number;
  /** The event log's last position at the erasure (`0-0` when empty). */
  logPosition: string;
  /** Versions whose top-N list of the user was deleted. */
  versions: string[];
}

export interface StateStore {
  /** One round trip: pointer, top-N copy, recent, session, consumed, online vector, neighbours, trending, fresh, hidden. */
  readServingState(query: ServingStateQuery): Promise<ServingState>;
  /**
   * One round trip for the whole batch: de-duplicate by id, append to the event log, then update
   * recent history, session, consumed set and trending counters of every new event.
   */
  ingest(events: readonly IngestEvent[], settings: IngestSettings): Promise<IngestResult>;
  /** Writes refreshed online user vectors (fold-in), each with a TTL. */
  writeUserVectors(
    vectors: ReadonlyMap<string, OnlineUserVector>,
    ttlSeconds: number,
  ): Promise<void>;
  /** The served version, or null. */
  currentVersion(): Promise<string | null>;
  /** Top `limit` of one trending scope (`global`, `cat:<c>`, `colo:<colo>`), hidden items left out. */
  trending(scope: string, limit: number): Promise<ScoredItem[]>;
  getItem(itemId: string): Promise<Item | null>;
  /**
   * Stores an item record; `fresh` also lists it as a cold-start item. The hidden set follows
   * `item.hidden || item.deleted`.
   */
  putItem(item: Item, options: { fresh: boolean }): Promise<void>;
  /** The records of `itemIds` (null where absent, in order) and the served version, in one round trip. */
  getItemsAndVersion(
    itemIds: readonly string[],
  ): Promise<{ items: (Item | null)[]; version: string | null }>;
  /** Stores many item records as `putItem` does, all in one transaction (one round trip). */
  putItems(entries: readonly { item: Item; fresh: boolean }[]): Promise<void>;
  /** Ids of hidden or deleted items. */
  hiddenItems(): Promise<string[]>;
  /** Every stored promotion, ordered by id. */
  promotions(): Promise<Promotion[]>;
  /** Stores (creates or replaces) a promotion, at most `max` in all (checked atomically). */
  putPromotion(promotion: Promotion, max: number): Promise<PromotionWrite>;
  /** Deletes a promotion; false when there was none. */
  deletePromotion(promotionId: string): Promise<boolean>;
  /**
   * Erases what the store holds of `userId` in one atomic step: recent history, consumed set,
   * online vector and the top-N list of every version (the one a batch is writing too); and lists
   * the user for the next batch, which deletes their events logged up to `logPosition`.
   */
  eraseUser(userId: string): Promise<UserErasure>;
  /** Round-trip check for /health. */
  ping(): Promise<void>;
}
