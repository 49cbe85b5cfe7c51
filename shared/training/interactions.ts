/**
 * Builds the user × item `Interactions` matrix from stored events (weights per event type, optional
 * time decay) or from plain (user, item, value, time) columns, summing duplicates.
 */
import type { StoredEvent } from '../domain/events';
import type { Interactions } from './types';

/** How events become confidence weights. */
export interface InteractionWeighting {
  /** Weight per event type; `rating` multiplies its value; weight 0 drops the event. */
  weights: Readonly<Record<string, number>>;
  /** Weight of an event type missing from `weights` (default 0: unknown types are ignored). */
  defaultWeight?: number;
  /** Half-life of the time decay in days; undefined or 0 disables decay. */
  halfLifeDays?: number;
  /** Reference time (ms) of the decay; defaults to the latest event (training reads no clock). */
  referenceTime?: number;
}

const DAY_MS = 24 * 3600 * 1000;

/** Maps string ids to dense indices in order of first appearance. */
class IdIndex {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  indexOf(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(id, i);
      this.ids.push(id);
    }
    return i;
  }
}

/**
 * Builds `Interactions` from events. A `rating` event contributes `weight × value`; other events
 * contribute their type's weight; a non-positive contribution is dropped. With a half-life, each
 * contribution is multiplied by 0.5^(age / half-life), age measured from `referenceTime`.
 */
export function interactionsFromEvents(
  events: Iterable<StoredEvent>,
  weighting: InteractionWeighting,
): Interactions {
  const users = new IdIndex();
  const items = new IdIndex();
  const u: number[] = [];
  const it: number[] = [];
  const v: number[] = [];
  const ts: number[] = [];
  const defaultWeight = weighting.defaultWeight ?? 0;
  for (const e of events) {
    const w = weighting.weights[e.type] ?? defaultWeight;
    const value = e.type === 'rating' ? w * (e.value ?? 1) : w;
    if (!(value > 0) || !Number.isFinite(value)) continue;
    u.push(users.indexOf(e.userId));
    it.push(items.indexOf(e.itemId));
    v.push(value);
    ts.push(e.timestamp);
  }
  const values = Float64Array.from(v);
  const halfLife = weighting.halfLifeDays ?? 0;
  if (halfLife > 0 && ts.length > 0) {
    let reference = weighting.referenceTime ?? -Infinity;
    if (weighting.referenceTime === undefined) for (const t of ts) if (t > reference) reference = t;
    const halfLifeMs = halfLife * DAY_MS;
    for (let e = 0; e < values.length; e++) {
      values[e] = values[e]! * Math.pow(0.5, Math.max(0, reference - ts[e]!) / halfLifeMs);
    }
  }
  return assemble(
    users.ids,
    items.ids,
    Int32Array.from(u),
    Int32Array.from(it),
    values,
    Float64Array.from(ts),
  );
}

/**
 * Builds `Interactions` from parallel columns (importers, offline evaluation): one row per
 * observation, values > 0 kept, duplicates of a (user, item) pair summed.
 */
export function interactionsFromColumns(
  userIds: ArrayLike<string>,
  itemIds: ArrayLike<string>,
  values: ArrayLike<number>,
  timestamps: ArrayLike<number>,
): Interactions {
  const n = userIds.length;
  if (itemIds.length !== n || values.length !== n || timestamps.length !== n) {
    throw new RangeError('interactionsFromColumns: columns differ in length');
  }
  const users = new IdIndex();
  const items = new IdIndex();
  const u = new Int32Array(n);
  const it = new Int32Array(n);
  const v = new Float64Array(n);
  const ts = new Float64Array(n);
  let m = 0;
  for (let e = 0; e < n; e++) {
    const value = values[e]!;
    if (!(value > 0) || !Number.isFinite(value)) continue;
    u[m] = users.indexOf(userIds[e]!);
    it[m] = items.indexOf(itemIds[e]!);
    v[m] = value;
    ts[m] = timestamps[e]!;
    m++;
  }
  return assemble(
    users.ids,
    items.ids,
    u.subarray(0, m),
    it.subarray(0, m),
    v.subarray(0, m),
    ts.subarray(0, m),
  );
}

/**
 * Orders ids by code unit and returns each old index's new one (null when already in order).
 * Index maps must not depend on the order events arrived in: the batch reads an event log filled
 * by concurrent requests, and the validation split and the seeded initialisations work by index,
 * so first-appearance order made the same data train a different model from run to run.
 */
function canonicalIds(ids: string[]): { ids: string[]; rank: Int32Array | null } {
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i++) sorted = ids[i - 1]! < ids[i]!;
  if (sorted) return { ids, rank: null };
  const order = ids.map((_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1));
  const rank = new Int32Array(ids.length);
  order.forEach((old, i) => (rank[old] = i));
  return { ids: order.map((i) => ids[i]!), rank };
}

function remap(indices: Int32Array, rank: Int32Array | null): Int32Array {
  return rank === null ? indices : indices.map((i) => rank[i]!);
}

/**
 * Orders ids canonically, then observations by user, then item (a counting sort by user, then a
 * sort of each user's short segment), and merges duplicates: values summed, latest timestamp kept.
 */
export function assemble(
  rawUserIds: string[],
  rawItemIds: string[],
  rawU: Int32Array,
  rawIt: Int32Array,
  v: ArrayLike<number>,
  ts: ArrayLike<number>,
): Interactions {
  const users = canonicalIds(rawUserIds);
  const items = canonicalIds(rawItemIds);
  const userIds = users.ids;
  const itemIds = items.ids;
  const u = remap(rawU, users.rank);
  const it = remap(rawIt, items.rank);
  const n = u.length;
  const nUsers = userIds.length;
  const start = new Int32Array(nUsers + 1);
  for (let e = 0; e < n; e++) start[u[e]! + 1] = start[u[e]! + 1]! + 1;
  for (let r = 0; r < nUsers; r++) start[r + 1] = start[r + 1]! + start[r]!;
  const fill = start.slice(0, nUsers);
  const order = new Int32Array(n);
  for (let e = 0; e < n; e++) order[fill[u[e]!]!++] = e;

  const rows = new Int32Array(n);
  const cols = new Int32Array(n);
  const values = new Float32Array(n);
  const timestamps = new Float64Array(n);
  let m = 0;
  for (let r = 0; r < nUsers; r++) {
    const seg = order.subarray(start[r]!, start[r + 1]!);
    seg.sort();
    // Observation indices are sorted; re-sort them by item (stable for equal items).
    const sorted = Array.from(seg).sort((a, b) => it[a]! - it[b]! || a - b);
    let last = -1;
    for (const e of sorted) {
      const item = it[e]!;
      if (item === last) {
        values[m - 1] = values[m - 1]! + v[e]!;
        if (ts[e]! > timestamps[m - 1]!) timestamps[m - 1] = ts[e]!;
        continue;
      }
      rows[m] = r;
      cols[m] = item;
      values[m] = v[e]!;
      timestamps[m] = ts[e]!;
      last = item;
      m++;
    }
  }
  return {
    userIds,
    itemIds,
    rows: rows.slice(0, m),
    cols: cols.slice(0, m),
    values: values.slice(0, m),
    timestamps: timestamps.slice(0, m),
  };
}
