/**
 * Snapshot stage: reads the event log up to the last entry that existed when the stage started
 * (entries appended meanwhile wait for the next run) and the catalogue. Events are kept in columns
 * of indices into interned id lists, so a million events cost tens of megabytes, not hundreds.
 */
import type { StoredEvent } from '../../shared/domain/events';
import type { Item } from '../../shared/domain/items';
import type { Catalogue } from '../../shared/ports/catalogue';
import type { EventLog } from '../../shared/ports/event-log';

/** Interns strings: one copy of each id, referred to by a dense index. */
export class Interner {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  indexOf(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.index.set(value, i);
      this.values.push(value);
    }
    return i;
  }
}

/**
 * The event ids a snapshot has taken, as 64-bit fingerprints (two 32-bit hashes of the id, FNV-1a
 * and MurmurHash2's multiply-xorshift step) in an open-addressing table at most half full: 16–32
 * bytes per event (48 while it grows), where a `Set` of the id strings would take about 100. Two distinct ids of a million
 * share a fingerprint with a probability near 3 × 10⁻⁸.
 */
export class SeenIds {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private size = 0;

  /** Adds `id`; false when it was there already. */
  add(id: string): boolean {
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ id.length;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // (0, 0) marks an empty slot.
    if (a === 0 && b === 0) b = 1;
    if (!this.insert(a >>> 0, b >>> 0)) return false;
    if (++this.size * 2 > this.hi.length) this.grow();
    return true;
  }

  /** Approximate bytes held. */
  bytes(): number {
    return this.hi.length * 8;
  }

  private insert(hi: number, lo: number): boolean {
    const mask = this.hi.length - 1;
    for (let slot = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      if (this.hi[slot] === 0 && this.lo[slot] === 0) {
        this.hi[slot] = hi;
        this.lo[slot] = lo;
        return true;
      }
      if (this.hi[slot] === hi && this.lo[slot] === lo) return false;
    }
  }

  private grow(): void {
    const [hi, lo] = [this.hi, this.lo];
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    for (let i = 0; i < hi.length; i++) {
      if (hi[i] !== 0 || lo[i] !== 0) this.insert(hi[i]!, lo[i]!);
    }
  }
}

/** The events of a snapshot, column by column. */
export class EventColumns {
  readonly users = new Interner();
  readonly items = new Interner();
  readonly types = new Interner();
  length = 0;
  private user = new Int32Array(1024);
  private item = new Int32Array(1024);
  private type = new Int32Array(1024);
  /** NaN where the event carries no value. */
  private value = new Float64Array(1024);
  private time = new Float64Array(1024);

  push(e: StoredEvent): void {
    if (this.length === this.user.length) this.grow();
    const i = this.length++;
    this.user[i] = this.users.indexOf(e.userId);
    this.item[i] = this.items.indexOf(e.itemId);
    this.type[i] = this.types.indexOf(e.type);
    this.value[i] = e.value ?? Number.NaN;
    this.time[i] = e.timestamp;
  }

  /** The events again, as `StoredEvent`s made on the fly (ids are not kept: training needs none). */
  *events(): IterableIterator<StoredEvent> {
    for (let i = 0; i < this.length; i++) {
      const value = this.value[i]!;
      const e: StoredEvent = {
        id: '',
        userId: this.users.values[this.user[i]!]!,
        itemId: this.items.values[this.item[i]!]!,
        type: this.types.values[this.type[i]!]!,
        timestamp: this.time[i]!,
      };
      if (!Number.isNaN(value)) e.value = value;
      yield e;
    }
  }

  /** Earliest event time per item id (a stand-in creation time for items missing from the catalogue). */
  firstSeen(): Map<string, number> {
    const first = new Map<string, number>();
    for (let i = 0; i < this.length; i++) {
      const id = this.items.values[this.item[i]!]!;
      const t = this.time[i]!;
      const known = first.get(id);
      if (known === undefined || t < known) first.set(id, t);
    }
    return first;
  }

  /** Approximate bytes held (typed arrays plus interned strings). */
  bytes(): number {
    const strings = [this.users, this.items, this.types].reduce(
      (sum, interner) => sum + interner.values.length * 80,
      0,
    );
    return this.user.length * 32 + strings;
  }

  private grow(): void {
    const size = this.user.length * 2;
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    const grow64 = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.user = grow32(this.user);
    this.item = grow32(this.item);
    this.type = grow32(this.type);
    this.value = grow64(this.value);
    this.time = grow64(this.time);
  }
}

/** A consistent cut of the inputs of one run. */
export interface Snapshot {
  /** Last log position included (null when the log was empty). */
  lastId: string | null;
  events: EventColumns;
  /** Log entries that were not valid events (skipped, counted). */
  skipped: number;
  /**
   * Log entries whose event id an earlier entry had (left out, counted): the same file imported
   * twice, an event both imported and sent to the API, a retry after the API's de-duplication
   * window.
   */
  duplicates: number;
  /** Log entries of erased users, logged before their erasure: deleted from the log, not used. */
  erased: number;
  items: Item[];
}

export interface SnapshotOptions {
  /** Entries per XRANGE request. */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
  /** Called between chunks (the runner refreshes its lock there). */
  onChunk?: () => Promise<void>;
}

/** True when `e` has the fields training needs, with the right types. */
export function isStoredEvent(e: unknown): e is StoredEvent {
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Record<string, unknown>;
  return (
    typeof r.userId === 'string' &&
    r.userId.length > 0 &&
    typeof r.itemId === 'string' &&
    r.itemId.length > 0 &&
    typeof r.type === 'string' &&
    typeof r.timestamp === 'number' &&
    Number.isFinite(r.timestamp) &&
    (r.value === undefined || (typeof r.value === 'number' && Number.isFinite(r.value)))
  );
}

/** Reads the log (in chunks, up to its last id at the start) and the catalogue. */
export async function takeSnapshot(
  log: EventLog,
  catalogue: Catalogue,
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  const chunk = options.chunk ?? 5000;
  // Erasures first: one recorded after this read ends at a position the read below may not reach,
  // so it must wait for the next run (and it does: it is not in `erasures`, so not settled).
  const erasures = await log.erasures();
  const [lastId, total] = await Promise.all([log.lastId(), log.length()]);
  const events = new EventColumns();
  const seen = new SeenIds();
  let skipped = 0;
  let duplicates = 0;
  let erased = 0;
  if (lastId !== null) {
    let after: string | undefined;
    for (;;) {
      const entries = await log.read({ after, until: lastId, count: chunk });
      const toErase: string[] = [];
      for (const entry of entries) {
        const e = entry.event;
        if (erasures.size > 0 && erasedEntry(entry.id, e, erasures)) toErase.push(entry.id);
        else if (!isStoredEvent(e)) skipped++;
        else if (typeof e.id === 'string' && e.id !== '' && !seen.add(e.id)) duplicates++;
        else events.push(e);
      }
      erased += await log.remove(toErase);
      options.onProgress?.(events.length + skipped + duplicates + erased, total);
      if (entries.length < chunk) break;
      after = entries[entries.length - 1]!.id;
      if (after === lastId) break;
      await options.onChunk?.();
    }
  }
  // Every entry up to lastId was read: the erasures listed before the read are complete.
  await log.settleErasures(erasures);
  const items = await catalogue.all();
  return { lastId, events, skipped, duplicates, erased, items };
}

/** An entry of an erased user at or before the log position recorded at the erasure. */
function erasedEntry(id: string, event: unknown, erasures: ReadonlyMap<string, string>): boolean {
  const userId = (event as { userId?: unknown } | null)?.userId;
  if (typeof userId !== 'string') return false;
  const upTo = erasures.get(userId);
  return upTo !== undefined && compareLogPositions(id, upTo) <= 0;
}

/** Orders stream ids `<ms>-<seq>` as Redis does. */
function compareLogPositions(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number) as [number, number];
  const [bMs, bSeq] = b.split('-').map(Number) as [number, number];
  return aMs - bMs || aSeq - bSeq;
}
