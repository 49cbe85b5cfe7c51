/** Port: a per-identifier request rate limit (sliding window). */
import type { SharedRoundTrip } from './shared-round-trip';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** ms since epoch when the window frees up again. */
  resetAt: number;
}

export interface RateLimiter {
  /**
   * Counts one request of `identifier` and says whether it is within the limit. With `trip`, the
   * check rides on the request's next round trip to the same store when it leaves in this task.
   */
  limit(identifier: string, trip?: SharedRoundTrip): Promise<RateLimitDecision>;
  /**
   * When `identifier` was refused and its window has not freed up yet, the time (ms since epoch)
   * it does; else null. Answered from memory, so callers can refuse before doing any work.
   */
  blockedUntil(identifier: string): number | null;
}
