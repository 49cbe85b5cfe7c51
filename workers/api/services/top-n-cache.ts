/**
 * What the isolate knows of per-user top-N lists of the served version: the list, or that the
 * version has none for the user (a user the batch did not know). Either stays right for as long as
 * its version is served, so a user's next request in this isolate needs neither the KV read nor
 * the Redis copy.
 */
import type { TopNRecord } from '../../../shared/domain/artefacts';
import { VersionedLru } from './versioned-lru';

/** Estimated heap bytes of a list entry (an [itemId, score] pair), a seen id, a vector element. */
const BYTES_PER_ITEM = 96;
const BYTES_PER_SEEN = 48;
const BYTES_PER_DIM = 16;
/** Estimated heap bytes of an entry without a list (a map entry and the user id). */
const BYTES_PER_ENTRY = 160;

export class TopNCache {
  private readonly lists: VersionedLru<TopNRecord | null>;

  /** `maxBytes`: the estimated heap the lists may take (default 16 MiB). */
  constructor(maxBytes = 16 * 1024 * 1024) {
    this.lists = new VersionedLru(maxBytes);
  }

  /**
   * The list of `userId` in `version`; null when that version is known to have none for the user;
   * undefined when this isolate does not know.
   */
  get(version: string, userId: string): TopNRecord | null | undefined {
    return this.lists.get(version, userId)?.value;
  }

  /** Keeps `record` (a list of `record.version`, which becomes the version held). */
  set(record: TopNRecord): void {
    const bytes =
      BYTES_PER_ENTRY +
      record.items.length * BYTES_PER_ITEM +
      (record.seen?.length ?? 0) * BYTES_PER_SEEN +
      (record.vector?.length ?? 0) * BYTES_PER_DIM;
    this.lists.set(record.version, record.userId, record, bytes);
  }

  /** Forgets the list of `userId` (its data was erased). */
  forget(userId: string): void {
    this.lists.delete(userId);
  }

  /** Remembers that `version` has no list for `userId` (both KV and Redis said so). */
  setAbsent(version: string, userId: string): void {
    this.lists.set(version, userId, null, BYTES_PER_ENTRY);
  }

  /** Users known (for tests and diagnostics). */
  get size(): number {
    return this.lists.size;
  }
}
