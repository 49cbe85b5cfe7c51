/**
 * What the isolate knows of per-user top-N lists of the served version: the list, or that the
 * version has none for the user (a user the batch did not know). A version's outputs never change
 * once written, so either stays right for as long as its version is served: a user's next request
 * in this isolate needs neither the KV read nor the Redis copy. Bounded by an estimate of the
 * memory the entries take; the least recently used go first, and a new version starts afresh.
 */
import type { TopNRecord } from '../../../shared/domain/artefacts';

/** Estimated heap bytes of a list entry (an [itemId, score] pair), a seen id, a vector element. */
const BYTES_PER_ITEM = 96;
const BYTES_PER_SEEN = 48;
const BYTES_PER_DIM = 16;
/** Estimated heap bytes of an entry without a list (a map entry and the user id). */
const BYTES_PER_ENTRY = 160;

export class TopNCache {
  private version: string | null = null;
  /** Insertion order is recency: a hit moves its entry to the end. */
  private readonly lists = new Map<string, { record: TopNRecord | null; bytes: number }>();
  private bytes = 0;

  /** `maxBytes`: the estimated heap the lists may take (default 16 MiB). */
  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  /**
   * The list of `userId` in `version`; null when that version is known to have none for the user;
   * undefined when this isolate does not know.
   */
  get(version: string, userId: string): TopNRecord | null | undefined {
    if (version !== this.version) return undefined;
    const entry = this.lists.get(userId);
    if (!entry) return undefined;
    this.lists.delete(userId);
    this.lists.set(userId, entry);
    return entry.record;
  }

  /** Keeps `record` (a list of `record.version`, which becomes the version held). */
  set(record: TopNRecord): void {
    const bytes =
      BYTES_PER_ENTRY +
      record.items.length * BYTES_PER_ITEM +
      (record.seen?.length ?? 0) * BYTES_PER_SEEN +
      (record.vector?.length ?? 0) * BYTES_PER_DIM;
    this.keep(record.version, record.userId, record, bytes);
  }

  /** Remembers that `version` has no list for `userId` (both KV and Redis said so). */
  setAbsent(version: string, userId: string): void {
    this.keep(version, userId, null, BYTES_PER_ENTRY);
  }

  private keep(version: string, userId: string, record: TopNRecord | null, bytes: number): void {
    if (version !== this.version) {
      this.lists.clear();
      this.bytes = 0;
      this.version = version;
    }
    if (bytes > this.maxBytes) return;
    const old = this.lists.get(userId);
    if (old) {
      this.lists.delete(userId);
      this.bytes -= old.bytes;
    }
    this.lists.set(userId, { record, bytes });
    this.bytes += bytes;
    for (const [id, entry] of this.lists) {
      if (this.bytes <= this.maxBytes) break;
      this.lists.delete(id);
      this.bytes -= entry.bytes;
    }
  }

  /** Users known (for tests and diagnostics). */
  get size(): number {
    return this.lists.size;
  }
}
