/**
 * `DELETE /v1/users/{userId}`: erases what edgerec holds of one user. At once: the online state in
 * Redis (recent history, consumed set, online vector), the user's top-N list of every version
 * (the one a running batch writes too) in Redis and in Workers KV, and this isolate's copies.
 * Later: the next batch run deletes the user's events logged before the erasure (the erasures hash
 * in Redis says up to which log position), and leaves the user's list out of its version if the
 * erasure came while it ran. Until then fold-in writes no online vector for the user.
 */
import { StoreError } from '../../../shared/errors';
import { kvKeys } from '../../../shared/keys';
import type { Deps } from '../app-env';

export interface UserErased {
  userId: string;
  /** ms since epoch (Redis's clock). */
  erasedAt: number;
  /** Redis keys deleted (online state and top-N lists). */
  keysDeleted: number;
  /** Versions whose top-N copies were deleted, in Redis and in KV. */
  versions: string[];
  /** The user's logged events: deleted by the next batch run, which never trains on them. */
  events: 'pending';
}

export async function eraseUser(deps: Deps, kv: KVNamespace, userId: string): Promise<UserErased> {
  const { erasedAt, versions, keysDeleted } = await deps.state.eraseUser(userId);
  // KV deletes of absent keys are cheap no-ops; KV copies only exist for the most active users.
  // A failure fails the request (503): the hot path reads KV first, so a copy left there would
  // still be served. Erasing again is safe.
  try {
    await Promise.all(versions.map((v) => kv.delete(kvKeys.topN(v, userId))));
  } catch (error) {
    throw new StoreError('kv', 'deleting the cached lists failed', { cause: error });
  }
  deps.topNs.forget(userId);
  deps.userVectors.forget(userId);
  return { userId, erasedAt, keysDeleted, versions, events: 'pending' };
}
