/**
 * The recommendation request: gathers the I/O in parallel under time budgets (one KV read — none
 * when the isolate already holds the user's top-N — one Redis round trip, and, only where the
 * cached top-N cannot answer alone, one vector query: beside the Redis round trip when the isolate
 * holds the user's vector, else after it), loads the version's model once per isolate, and runs
 * the pure pipeline. A personalised ranking of the caller's items makes the same reads less the
 * vector query.
 */
import type { OnlineUserVector, ScoredItem, TopNRecord } from '../../../shared/domain/artefacts';
import type { Device } from '../../../shared/domain/features';
import type { Item } from '../../../shared/domain/items';
import { vectorNamespace } from '../../../shared/keys';
import { degradedEntry, runWithBudget, type BudgetOutcome } from '../../../shared/pipeline/budget';
import {
  DEFAULT_SOURCE_LIMITS,
  rankPage,
  rankRequested,
  scoreCandidates,
  type RecommendInput,
  type RecommendedItem,
  type UnrankedReason,
} from '../../../shared/pipeline/recommend';
import type { ServingModel } from '../../../shared/pipeline/serving-model';
import { RECENT_ITEMS_FOR_ITEM_ITEM } from '../../../shared/training/candidate-facts';
import type { SharedRoundTrip } from '../../../shared/ports/shared-round-trip';
import type { ServingState } from '../../../shared/ports/state-store';
import { categoryFilter, type VectorMatch } from '../../../shared/ports/vector-index';
import type { Deps } from '../app-env';
import { StageTimings } from './stage-timings';

export interface RecommendRequest {
  userId: string;
  k: number;
  /** Positions of the ranking to skip (paging). */
  offset?: number;
  category?: string;
  exclude: string[];
  sessionId?: string;
  diversity: number;
  explain: boolean;
  device: Device;
  colo?: string;
  nowMs: number;
}

/** Store accesses of one request (the `X-Edgerec-Round-Trips` header). */
export interface RoundTrips {
  kv: number;
  redis: number;
  vector: number;
  /** True when this request loaded a version's model (once per version per isolate). */
  modelLoad: boolean;
}

export interface RecommendAnswer {
  userId: string;
  modelVersion: string | null;
  items: RecommendedItem[];
  degraded: string[];
}

/** How many ANN matches to ask for. */
const ANN_TOP_K = 100;

/** `trip`: other Redis calls of the request that may travel with its serving-state read. */
export async function recommendFor(
  deps: Deps,
  req: RecommendRequest,
  trip?: SharedRoundTrip,
): Promise<{ answer: RecommendAnswer; timings: StageTimings; roundTrips: RoundTrips }> {
  const g = await gather(deps, { ...req, ann: true, promotions: true }, trip);
  const input = pipelineInput(deps, req, g);
  const pool = g.timings.measure('scoring', () => scoreCandidates(input));
  const items = g.timings.measure('ranking', () => rankPage(pool, input));
  return {
    answer: { userId: req.userId, modelVersion: g.version, items, degraded: g.degraded },
    timings: g.timings,
    roundTrips: g.roundTrips,
  };
}

export interface RankRequest {
  userId: string;
  itemIds: string[];
  sessionId?: string;
  explain: boolean;
  device: Device;
  colo?: string;
  nowMs: number;
}

export interface RankAnswer extends RecommendAnswer {
  unranked: { itemId: string; reason: UnrankedReason }[];
}

/**
 * Personalised ranking of the caller's items (`rankRequested`), from the same reads as a
 * recommendation, less the vector query: every requested item is scored from the model itself.
 */
export async function rankFor(
  deps: Deps,
  req: RankRequest,
  trip?: SharedRoundTrip,
): Promise<{ answer: RankAnswer; timings: StageTimings; roundTrips: RoundTrips }> {
  const g = await gather(deps, { ...req, ann: false, promotions: false }, trip);
  const input = pipelineInput(
    deps,
    { ...req, k: req.itemIds.length, exclude: [], diversity: 0 },
    g,
  );
  const { items, unranked } = g.timings.measure('ranking', () => rankRequested(input, req.itemIds));
  return {
    answer: { userId: req.userId, modelVersion: g.version, items, unranked, degraded: g.degraded },
    timings: g.timings,
    roundTrips: g.roundTrips,
  };
}

/** What a request reads before the pure pipeline runs. */
interface GatherRequest {
  userId: string;
  category?: string;
  sessionId?: string;
  colo?: string;
  /** False: no vector query (the caller scores its own items from the model). */
  ann: boolean;
  /** Read the promotions (promoted slots apply to recommendations only). */
  promotions: boolean;
  /** Items to score (a ranking): the records of those the held model lacks are read too. */
  itemIds?: readonly string[];
}

interface Gathered {
  version: string | null;
  model: ServingModel | null;
  topN: TopNRecord | null;
  userVector: number[] | null;
  ann: RecommendInput['ann'];
  state: ServingState | null;
  degraded: string[];
  timings: StageTimings;
  roundTrips: RoundTrips;
}

/**
 * The I/O of a request, in parallel under time budgets: the version pointer (a cold isolate only),
 * the user's top-N from KV unless held, the serving state from Redis, the model once per version,
 * and the vector query where the cached top-N cannot answer alone.
 */
async function gather(
  deps: Deps,
  req: GatherRequest,
  trip: SharedRoundTrip | undefined,
): Promise<Gathered> {
  const { config, clock } = deps;
  const timings = new StageTimings(clock.now);
  const realtime = config.EDGEREC_REALTIME === 'on';
  const stateBudget = config.EDGEREC_STATE_BUDGET_MS;
  const degraded: string[] = [];
  const roundTrips: RoundTrips = { kv: 0, redis: 0, vector: 0, modelLoad: false };
  // The version this isolate served last (Redis says which one is current in the same round trip).
  // A cold isolate asks KV's copy of the pointer once, so that even its first top-N read is KV's.
  let guess = deps.models.lastVersion;
  if (guess === null) {
    roundTrips.kv++;
    const pointer = await runWithBudget('kv', () => deps.kv.readCurrent(), stateBudget, clock);
    timings.add('kv', pointer.ms, 'pointer');
    guess = pointer.ok ? pointer.value : null;
  }
  // What this isolate already knows of the user's list in that version (the list, or that there
  // is none) needs neither the KV read nor Redis's copy.
  const held = guess === null ? undefined : deps.topNs.get(guess, req.userId);
  const known = held !== undefined;
  if (known) timings.add('memory', 0, held ? 'topn' : 'topn-none');
  const heldRows = guess === null || !realtime ? null : deps.neighbourLists.heldRows(guess);
  // Where this isolate holds the user's vector and the answer will need the index, the vector
  // query leaves now, beside the Redis round trip, instead of after it.
  const ahead = guess === null || !req.ann ? null : annAhead(deps, req, guess);
  if (ahead) roundTrips.vector++;
  roundTrips.kv += guess === null || known ? 0 : 1;
  roundTrips.redis++;
  const [kvOutcome, redisOutcome] = await Promise.all([
    guess === null || known
      ? Promise.resolve(null)
      : runWithBudget('kv', () => deps.kv.readTopN(guess, req.userId), stateBudget, clock),
    runWithBudget(
      'redis',
      () =>
        deps.state.readServingState({
          userId: req.userId,
          sessionId: req.sessionId,
          category: req.category,
          colo: req.colo,
          realtime,
          trendingLimit: DEFAULT_SOURCE_LIMITS.trending,
          freshLimit: DEFAULT_SOURCE_LIMITS.fresh,
          neighbourSeeds: RECENT_ITEMS_FOR_ITEM_ITEM,
          ...(known && guess !== null ? { knownTopN: guess } : {}),
          ...(heldRows === null || guess === null
            ? {}
            : { heldNeighbours: { version: guess, rows: heldRows } }),
          ...(trip === undefined ? {} : { trip }),
          ...(req.promotions ? { promotions: true } : {}),
          ...(req.itemIds === undefined
            ? {}
            : { itemRecords: notInModel(deps, guess, req.itemIds) }),
        }),
      stateBudget,
      clock,
    ),
  ]);
  // Each store access feeds named sources; `desc` says which.
  if (kvOutcome) timings.add('kv', kvOutcome.ms, 'topn');
  const fed = [known ? null : 'topn', realtime ? 'session' : null, 'trending', 'fresh'];
  timings.add('redis', redisOutcome.ms, fed.filter((s) => s !== null).join(','));
  for (const o of [kvOutcome, redisOutcome]) {
    const entry = o && degradedEntry(o);
    if (entry) degraded.push(entry);
  }
  const state: ServingState | null = redisOutcome.ok ? redisOutcome.value : null;

  const version = state ? state.version : guess;
  deps.models.observe(version);

  let model: ServingModel | null = deps.models.peek(version);
  if (!model && version !== null) {
    const t0 = clock.now();
    roundTrips.modelLoad = true;
    model = await deps.models.get(version, deps.results).catch(() => null);
    timings.add('model', clock.now() - t0, 'load');
    if (!model) degraded.push('model:unavailable');
  }

  const ofVersion = (r: TopNRecord | null | undefined) => (r?.version === version ? r : null);
  const topN =
    ofVersion(held) ?? ofVersion(kvOutcome?.ok ? kvOutcome.value : null) ?? ofVersion(state?.topN);
  if (topN && topN !== held) deps.topNs.set(topN);
  // No list in KV nor in Redis (which has every user's) for the version both were asked about.
  if (guess !== null && version === guess && kvOutcome?.ok && kvOutcome.value === null) {
    if (state?.topN === null) deps.topNs.setAbsent(guess, req.userId);
  }
  const online: OnlineUserVector | null =
    realtime && state?.onlineVector?.version === version ? state.onlineVector : null;
  // A vector of another length (e.g. a base model without user embeddings) is no vector.
  const fits = (v: number[] | undefined) =>
    v !== undefined && model !== null && v.length === model.dims ? v : null;
  // With Redis out, the vector this isolate last served the user with (on-line, perhaps) is the
  // freshest there is, and its query has already left.
  const heldVector = state === null && ahead?.version === version ? fits(ahead.vector) : null;
  const userVector = heldVector ?? fits(online?.vector) ?? fits(topN?.vector) ?? null;

  // ANN only where the cached top-N (KV's or Redis's copy) cannot answer alone: no cached list, a
  // vector that moved on-line since the batch, or a category filter the list may barely cover.
  // Asking it for every cache hit would let approximate matches displace the exact batch top-N.
  const annAlone = topN === null || online !== null || heldVector !== null;
  const needsAnn = req.ann && (annAlone || req.category !== undefined);
  let ann: RecommendInput['ann'] = null;
  if (model && version !== null && userVector !== null && needsAnn) {
    let outcome: BudgetOutcome<VectorMatch[]>;
    let desc = 'ann';
    if (ahead !== null && ahead.version === version) {
      outcome = await ahead.outcome;
      desc = sameVector(ahead.vector, userVector) ? 'ahead' : 'ahead, older vector';
    } else {
      // A query sent ahead for the version a batch has just replaced is asked again: the only
      // request with two vector queries, in the moment this isolate learns of the new version.
      roundTrips.vector++;
      outcome = await queryAnn(deps, version, userVector, req.category);
    }
    timings.add('ann', outcome.ms, desc);
    const entry = degradedEntry(outcome);
    if (entry) degraded.push(entry);
    if (outcome.ok) ann = outcome.value;
  } else if (ahead) {
    timings.add('ann', 0, 'ahead, unused');
  }
  // Without Redis's answer there is nothing new to keep.
  if (model && version !== null && state !== null) {
    deps.userVectors.set(version, req.userId, userVector && { vector: userVector, annAlone });
  }

  return { version, model, topN, userVector, ann, state, degraded, timings, roundTrips };
}

/** The pure pipeline's input from what `gather` read and the request's own options. */
function pipelineInput(
  deps: Deps,
  req: Omit<RecommendRequest, 'userId'>,
  g: Gathered,
): RecommendInput {
  const { config } = deps;
  const { state, version, model } = g;
  // Trending of the requested category (else global), then of this edge location.
  const trending = [
    ...((req.category === undefined ? undefined : state?.trending.category) ??
      state?.trending.global ??
      []),
    ...(state?.trending.colo ?? []),
  ];
  return {
    model,
    topN: g.topN,
    userVector: g.userVector,
    ann: g.ann,
    recent: state?.recent ?? [],
    session: state?.session ?? [],
    consumed: state?.consumed ?? [],
    neighbours:
      state && version !== null ? neighboursOf(deps, version, model, state, g.timings) : new Map(),
    trending,
    fresh: state ? freshItems(state) : [],
    hidden: state?.hidden ?? [],
    promotions: state?.promotions ?? [],
    nowMs: req.nowMs,
    device: req.device,
    k: req.k,
    ...(req.offset ? { offset: req.offset } : {}),
    ...(req.category === undefined ? {} : { category: req.category }),
    exclude: req.exclude,
    diversity: req.diversity,
    explain: req.explain,
    allowReconsumption: config.EDGEREC_RECONSUMPTION === 'on',
    rules: {
      freshnessBoost: config.EDGEREC_FRESHNESS_BOOST,
      freshnessDays: 7,
      categoryCap: config.EDGEREC_CATEGORY_CAP,
      providerCap: config.EDGEREC_PROVIDER_CAP,
    },
  };
}

/**
 * The vector query sent before the Redis round trip: when the isolate holds the model of `version`
 * and the vector it last served the user with, and the user's answers needed the index (or this
 * request filters by category, which always does).
 */
function annAhead(
  deps: Deps,
  req: GatherRequest,
  version: string,
): { version: string; vector: number[]; outcome: Promise<BudgetOutcome<VectorMatch[]>> } | null {
  const model = deps.models.peek(version);
  const held = deps.userVectors.get(version, req.userId);
  if (!model || !held || held.vector.length !== model.dims) return null;
  if (!held.annAlone && req.category === undefined) return null;
  return {
    version,
    vector: held.vector,
    outcome: queryAnn(deps, version, held.vector, req.category),
  };
}

/** The ANN source: the `ANN_TOP_K` nearest items of `vector`, of `category` when given. */
function queryAnn(
  deps: Deps,
  version: string,
  vector: number[],
  category: string | undefined,
): Promise<BudgetOutcome<VectorMatch[]>> {
  return runWithBudget(
    'ann',
    () =>
      deps.vectors.query(vectorNamespace(version), {
        vector: Array.from(vector),
        topK: ANN_TOP_K,
        ...(category === undefined ? {} : { filter: categoryFilter(category) }),
      }),
    deps.config.EDGEREC_SOURCE_BUDGET_MS,
    deps.clock,
  );
}

/**
 * The newest items added since the batch, then those of the records read by id (a ranking's items
 * that the fresh list did not reach).
 */
function freshItems(state: ServingState): Item[] {
  if (state.items.length === 0) return state.fresh;
  const listed = new Set(state.fresh.map((item) => item.itemId));
  return [...state.fresh, ...state.items.filter((item) => !listed.has(item.itemId))];
}

/** The ids the model this isolate holds for `version` lacks (all of them when it holds none). */
function notInModel(deps: Deps, version: string | null, itemIds: readonly string[]): string[] {
  const model = deps.models.peek(version);
  return model ? itemIds.filter((id) => !model.rowOf.has(id)) : [...itemIds];
}

function sameVector(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `kv=1, redis=1, vector=0` (plus `model=load` when the request loaded a model). */
export function roundTripsHeader(r: RoundTrips): string {
  return `kv=${r.kv}, redis=${r.redis}, vector=${r.vector}${r.modelLoad ? ', model=load' : ''}`;
}

/**
 * The seeds' neighbour lists: those the reply carried (kept in the isolate for the next requests)
 * and those it left out because the isolate holds them.
 */
function neighboursOf(
  deps: Deps,
  version: string,
  model: ServingModel | null,
  state: ServingState,
  timings: StageTimings,
): Map<string, ScoredItem[]> {
  const lists = new Map(state.neighbours);
  for (const [itemId, list] of state.neighbours) {
    const row = model?.version === version ? model.rowOf.get(itemId) : undefined;
    if (row !== undefined) deps.neighbourLists.set(version, itemId, row, list);
  }
  if (state.heldNeighbours.length > 0)
    timings.add('memory', 0, `nbrs ${state.heldNeighbours.length}`);
  for (const itemId of state.heldNeighbours) {
    // Evicted by a concurrent request since this one declared it held: that seed goes without.
    const list = deps.neighbourLists.get(version, itemId);
    if (list) lists.set(itemId, list);
  }
  return lists;
}
