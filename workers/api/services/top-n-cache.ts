/**
 * The isolate's copy of per-user top-N lists of the served version. A version's outputs never
 * change once written, so a list read from KV or Redis stays right for as long as its version is
 * served: a user's next request in this isolate needs neither the KV read nor the Redis copy.
 * Bounded by an estimate of the memory the lists take; the least recently used go first, and a
 * new version starts afresh.
 */
import type { TopNRecord } from '../../../shared/domain/artefacts';

/** Estimated heap bytes of a list entry (an [itemId, score] pair), a seen id, a vector element. */
const BYTES_PER_ITEM = 96;
const BYTES_PER_SEEN = 48;
const BYTES_PER_DIM = 16;

export class TopNCache {
  private version: string | null = null;
  /** Insertion order is recency: a hit moves its entry to the end. */
  private readonly lists = new Map<string, { record: TopNRecord; bytes: number }>();
  private bytes = 0;

  /** `maxBytes`: the estimated heap the lists may take (default 16 MiB). */
  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  /** The list of `userId` in `version`, if this isolate holds it. */
  get(version: string, userId: string): TopNRecord | null {
    if (version !== this.version) return null;
    const entry = this.lists.get(userId);
    if (!entry) return null;
    this.lists.delete(userId);
    this.lists.set(userId, entry);
    return entry.record;
  }

  /** Keeps `record` (a list of `record.version`, which becomes the version held). */
  set(record: TopNRecord): void {
    if (record.version !== this.version) {
      this.lists.clear();
      this.bytes = 0;
      this.version = record.version;
    }
    const bytes =
      512 +
      record.items.length * BYTES_PER_ITEM +
      (record.seen?.length ?? 0) * BYTES_PER_SEEN +
      (record.vector?.length ?? 0) * BYTES_PER_DIM;
    if (bytes > this.maxBytes) return;
    const old = this.lists.get(record.userId);
    if (old) {
      this.lists.delete(record.userId);
      this.bytes -= old.bytes;
    }
    this.lists.set(record.userId, { record, bytes });
    this.bytes += bytes;
    for (const [userId, entry] of this.lists) {
      if (this.bytes <= this.maxBytes) break;
      this.lists.delete(userId);
      this.bytes -= entry.bytes;
    }
  }

  /** Lists held (for tests and diagnostics). */
  get size(): number {
    return this.lists.size;
  }
}
