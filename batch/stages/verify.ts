/**
 * Verify stage: before a version may be served, what the stores hold must match what was written —
 * key counts per kind, the manifest readable and consistent, the item factors complete, the vector
 * count of the namespace, and the KV copy's counts and manifest.
 */
import type { KvResultStore } from '../../shared/adapters/kv-result-store';
import type { ResultReader } from '../../shared/ports/result-store';
import type { VectorIndex } from '../../shared/ports/vector-index';
import { vectorNamespace } from '../../shared/keys';
import type { WriteReport } from './write-outputs';

/** Thrown when a version is incomplete or inconsistent; the run fails and nothing is flipped. */
export class VerificationError extends Error {
  constructor(readonly problems: string[]) {
    super(`version failed verification: ${problems.join('; ')}`);
    this.name = 'VerificationError';
  }
}

export interface VerifyTargets {
  redis: ResultReader;
  kv: KvResultStore | null;
  vectors: VectorIndex | null;
}

/** Checks the stored version against the write report; returns the counts it saw. */
export async function verifyVersion(
  version: string,
  written: WriteReport,
  targets: VerifyTargets,
): Promise<Record<string, number>> {
  const problems: string[] = [];
  const expect = (what: string, actual: number, expected: number) => {
    if (actual !== expected) problems.push(`${what}: ${actual} stored, ${expected} expected`);
  };
  const { expected, manifest } = written;
  const dims = manifest.dims;
  const nItems = manifest.itemIds.length;

  const counts = await targets.redis.countKeys(version);
  expect('redis top-N records', counts.topN, expected.topN);
  expect('redis neighbour lists', counts.neighbours, expected.neighbours);
  expect('redis popular lists', counts.popular, expected.popular);
  expect('redis manifest', counts.manifest, 1);
  expect('redis item factors', counts.itemFactors, 1);

  const stored = await targets.redis.readManifest(version);
  if (!stored) problems.push('redis manifest missing');
  else {
    if (stored.version !== version) problems.push(`manifest names version ${stored.version}`);
    expect('manifest item ids', stored.itemIds.length, nItems);
    expect('manifest item facts', stored.items.length, nItems);
    expect('manifest Gram matrix', stored.gram.length, dims * dims);
  }
  const factors = await targets.redis.readItemFactors(version);
  if (!factors) problems.push('redis item factors missing');
  else {
    expect('item factor values', factors.length, nItems * dims);
    if (!factors.every(Number.isFinite)) problems.push('item factors hold non-finite values');
  }

  let vectors = -1;
  if (targets.vectors) {
    vectors = await targets.vectors.count(vectorNamespace(version));
    expect('vectors', vectors, expected.vectors);
  }

  let kvManifest = -1;
  if (targets.kv && written.kv) {
    kvManifest = (await targets.kv.readManifest(version)) ? 1 : 0;
    expect('kv manifest', kvManifest, 1);
  }

  if (problems.length > 0) throw new VerificationError(problems);
  return {
    topN: counts.topN,
    neighbours: counts.neighbours,
    popular: counts.popular,
    vectors,
    kvTopN: written.kv?.topN ?? -1,
    kvNeighbours: written.kv?.neighbours ?? -1,
  };
}
