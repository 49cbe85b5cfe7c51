/**
 * `UpstashVectorIndex` inside workerd against the local Upstash Vector REST server of the global
 * test setup: the shared `VectorIndex` contract plus the adapter's own error translation.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  UpstashVectorIndex,
  VectorIndexError,
} from '../../../shared/adapters/upstash-vector-index';
import type { UpstashVectorEnv } from '../../../shared/adapters/upstash-vector-index';
import { runVectorIndexContract } from '../../contracts/vector-index.contract';

/** Dimension of the global setup's index (test/setup/vector.ts, not importable here: it is Node). */
const TEST_VECTOR_DIMENSION = 64;

const bindings = env as unknown as UpstashVectorEnv;

runVectorIndexContract('UpstashVectorIndex', {
  dimension: TEST_VECTOR_DIMENSION,
  // A small batch size so that the bulk case spans several requests.
  makeIndex: () => UpstashVectorIndex.fromEnv(bindings, { upsertBatchSize: 250 }),
});

describe('UpstashVectorIndex errors', () => {
  it('wraps vendor errors in VectorIndexError and keeps the cause', async () => {
    const index = UpstashVectorIndex.fromEnv(bindings);
    const error = await index.upsert('contract-errors', [{ id: 'bad', vector: [1, 2] }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VectorIndexError);
    expect((error as VectorIndexError).operation).toBe('upsert');
    expect((error as VectorIndexError).namespace).toBe('contract-errors');
    expect(((error as Error).cause as Error).name).toBe('UpstashError');
    expect((error as Error).message).toContain(
      `Invalid vector dimension: 2, expected: ${TEST_VECTOR_DIMENSION}`,
    );
  });

  it('rejects a wrong token as VectorIndexError', async () => {
    const index = new UpstashVectorIndex({
      url: bindings.UPSTASH_VECTOR_REST_URL ?? '',
      token: 'wrong-token',
    });
    const error = await index.count('').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VectorIndexError);
    expect((error as Error).message).toContain('Unauthorized: Invalid auth token');
  });

  it('requires both bindings in fromEnv', () => {
    expect(() => UpstashVectorIndex.fromEnv({ UPSTASH_VECTOR_REST_URL: 'http://x' })).toThrow(
      /UPSTASH_VECTOR_REST_TOKEN/,
    );
  });
});
