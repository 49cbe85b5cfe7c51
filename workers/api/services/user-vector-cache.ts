/**
 * The user vectors this isolate last served with, by user, of the served version. Unlike top-N
 * lists a user's vector changes within a version (fold-in after each event), so a held vector is
 * not the answer's vector while Redis answers: it lets the vector query leave beside the Redis
 * round trip that brings the current one, instead of after it. The answer is still scored with the
 * current vector; only its ANN candidates may come from a vector a few events old. With Redis out,
 * the held vector is the freshest there is, and the answer is scored with it.
 */
import { VersionedLru } from './versioned-lru';

/** Estimated heap bytes of a vector element and of an entry's own overhead (map entry, user id). */
const BYTES_PER_DIM = 16;
const BYTES_PER_ENTRY = 160;

export interface HeldVector {
  vector: number[];
  /** The user's answers need the vector index even without a category filter (see `needsAnn`). */
  annAlone: boolean;
}

export class UserVectorCache {
  private readonly vectors: VersionedLru<HeldVector | null>;

  /** `maxBytes`: the estimated heap the vectors may take (default 4 MiB, some 3,500 of 64 dims). */
  constructor(maxBytes = 4 * 1024 * 1024) {
    this.vectors = new VersionedLru(maxBytes);
  }

  /** The vector of `userId` last seen in `version`, if any. */
  get(version: string, userId: string): HeldVector | null {
    return this.vectors.get(version, userId)?.value ?? null;
  }

  /** Keeps what a request or a fold-in saw of `userId` in `version`; null forgets the vector. */
  set(version: string, userId: string, held: HeldVector | null): void {
    const bytes = BYTES_PER_ENTRY + (held?.vector.length ?? 0) * BYTES_PER_DIM;
    this.vectors.set(version, userId, held, bytes);
  }

  /** Forgets the vector of `userId` (its data was erased). */
  forget(userId: string): void {
    this.vectors.delete(userId);
  }

  /** Users known (for tests and diagnostics). */
  get size(): number {
    return this.vectors.size;
  }
}
