/**
 * Port: the served-version pointer (atomic flip and rollback), the list of complete versions, the
 * batch lock, and batch run reports.
 */
import type { BatchRunReport } from '../domain/batch';

export interface VersionPointer {
  current: string | null;
  previous: string | null;
}

export interface VersionStore {
  pointer(): Promise<VersionPointer>;
  /**
   * In one atomic step: previous := current, current := `version`, and `version` joins the list of
   * complete versions. Flipping to the version already current changes nothing. With `holder`, the
   * flip happens only while that run id holds the batch lock (else it rejects, changing nothing).
   */
  flip(version: string, createdAt: number, holder?: string): Promise<VersionPointer>;
  /**
   * In one atomic step: current := previous and previous is cleared (the version rolled back from
   * leaves the list of complete versions and becomes garbage). Null when there is no previous.
   */
  rollback(): Promise<VersionPointer | null>;
  /** Complete versions, oldest first, with their creation time (ms). */
  versions(): Promise<{ version: string; createdAt: number }[]>;
  /** Removes versions from the list of complete versions (after their outputs were deleted). */
  forget(versions: readonly string[]): Promise<void>;

  /** Takes the batch lock for `runId` unless someone holds it; true when taken. */
  acquireLock(runId: string, ttlMs: number): Promise<boolean>;
  /** Extends the lock when `runId` still holds it; false when it was lost. */
  refreshLock(runId: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock only when `runId` holds it (compare-and-delete); true when released. */
  releaseLock(runId: string): Promise<boolean>;
  /** Run id holding the lock, or null. */
  lockHolder(): Promise<string | null>;

  saveRun(report: BatchRunReport): Promise<void>;
  getRun(runId: string): Promise<BatchRunReport | null>;
  /** The newest `limit` runs, newest first. */
  recentRuns(limit: number): Promise<BatchRunReport[]>;
}
