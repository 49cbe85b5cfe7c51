/** Port: a per-identifier request rate limit (sliding window). */

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** ms since epoch when the window frees up again. */
  resetAt: number;
}

export interface RateLimiter {
  /** Counts one request of `identifier` and says whether it is within the limit. */
  limit(identifier: string): Promise<RateLimitDecision>;
  /**
   * When `identifier` was refused and its window has not freed up yet, the time (ms since epoch)
   * it does; else null. Answered from memory, so callers can refuse before doing any work.
   */
  blockedUntil(identifier: string): number | null;
}
