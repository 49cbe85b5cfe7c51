/**
 * GC stage: deletes the outputs of every version that is neither current nor previous — complete
 * versions that were superseded or rolled back, and versions of runs that never flipped (failed or
 * killed; their ids are in the run reports). Redis keys by SCAN + UNLINK, vector namespaces by
 * dropNamespace, KV keys by list + delete as far as the invocation's KV budget allows (KV copies
 * also expire on their own, see KvResultStore).
 */
import type { KvResultStore } from '../../shared/adapters/kv-result-store';
import { vectorNamespace } from '../../shared/keys';
import type { ResultReader } from '../../shared/ports/result-store';
import type { VectorIndex } from '../../shared/ports/vector-index';
import type { VersionStore } from '../../shared/ports/version-store';

export interface GcTargets {
  versions: VersionStore;
  redis: ResultReader;
  kv: KvResultStore | null;
  vectors: VectorIndex | null;
}

export interface GcReport {
  kept: string[];
  collected: string[];
  redisKeys: number;
  kvKeys: number;
  kvComplete: boolean;
  namespaces: number;
}

/** How many recent run reports are searched for versions that never flipped. */
const RUNS_SEARCHED = 50;

/**
 * Collects every version except current, previous and `activeVersion`; marks the run reports of the
 * versions fully collected, so that later runs do not visit them again.
 */
export async function collectGarbage(
  targets: GcTargets,
  now: number,
  activeVersion?: string,
): Promise<GcReport> {
  const pointer = await targets.versions.pointer();
  const keep = new Set(
    [pointer.current, pointer.previous, activeVersion].filter((v): v is string => !!v),
  );
  const complete = await targets.versions.versions();
  const runs = await targets.versions.recentRuns(RUNS_SEARCHED);
  // A refused run stops before writing anything; every other run may have left outputs.
  const pending = runs.filter((r) => r.garbageCollectedAt === undefined && r.state !== 'refused');
  const candidates = new Set([...complete.map((v) => v.version), ...pending.map((r) => r.version)]);
  const collected = [...candidates].filter((v) => !keep.has(v)).sort();
  const report: GcReport = {
    kept: [...keep],
    collected,
    redisKeys: 0,
    kvKeys: 0,
    kvComplete: true,
    namespaces: 0,
  };
  if (collected.length === 0) return report;
  report.redisKeys = await targets.redis.deleteVersions(collected);
  if (targets.vectors) {
    for (const version of collected) {
      await targets.vectors.dropNamespace(vectorNamespace(version));
      report.namespaces++;
    }
  }
  await targets.versions.forget(collected.filter((v) => complete.some((c) => c.version === v)));
  if (targets.kv) {
    const kv = await targets.kv.deleteVersions(collected);
    report.kvKeys = kv.deleted;
    report.kvComplete = kv.complete;
  }
  if (report.kvComplete) {
    const done = new Set(collected);
    for (const run of pending) {
      if (done.has(run.version))
        await targets.versions.saveRun({ ...run, garbageCollectedAt: now });
    }
  }
  return report;
}
