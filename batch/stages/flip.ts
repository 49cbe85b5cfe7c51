/**
 * Flip stage: one atomic Redis step makes the new version the served one (previous := current,
 * current := new, the version joins the complete versions) — only while this run holds the lock;
 * then the KV copy of the pointer follows. Redis is the source of truth: a KV failure after the
 * Redis flip is reported, and the edge, which reads the Redis pointer, already serves the new one.
 */
import type { KvResultStore } from '../../shared/adapters/kv-result-store';
import type { VersionPointer, VersionStore } from '../../shared/ports/version-store';

export interface FlipResult {
  pointer: VersionPointer;
  /** 'written', 'skipped' (no KV here) or the error text. */
  kv: string;
}

export async function flipVersion(
  versions: VersionStore,
  kv: KvResultStore | null,
  version: string,
  createdAt: number,
  runId: string,
  now: () => number,
): Promise<FlipResult> {
  const pointer = await versions.flip(version, createdAt, runId);
  let kvState = 'skipped';
  if (kv) {
    try {
      kvState = (await kv.setCurrent({ version, flippedAt: now() }))
        ? 'written'
        : 'KV operation budget exhausted';
    } catch (error) {
      kvState = `failed: ${(error as Error).message}`;
    }
  }
  return { pointer, kv: kvState };
}
