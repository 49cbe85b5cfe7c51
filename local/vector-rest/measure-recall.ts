/**
 * Measures the local vector server through the real adapter (`UpstashVectorIndex` over HTTP):
 * recall@10 of the ANN path against exact brute force, query latency (over HTTP, and of the index
 * alone in process), filtered-query recall, upsert time and the start time with the vectors
 * persisted. Prints one JSON object last.
 *
 *   tsx local/vector-rest/measure-recall.ts [--quick] [--count 10000] [--dimension 64] [--queries 100]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UpstashVectorIndex } from '../../shared/adapters/upstash-vector-index';
import type { VectorRecord } from '../../shared/ports/vector-index';
import { NamespaceIndex } from './namespace-index';
import { bruteForceTopK, median, quantile, randomVectors, recallAtK } from './recall';
import { startVectorRestServer } from './server';
import { norm } from './similarity';

const TOKEN = 'measure-token';
const K = 10;
const CATEGORIES = 10;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      count: { type: 'string' },
      dimension: { type: 'string', default: '64' },
      queries: { type: 'string' },
    },
  });
  // Quick mode stays above the exact-scan threshold (4,096) so that it still measures the graph.
  const count = Number(values.count ?? (values.quick ? 5000 : 10_000));
  const dimension = Number(values.dimension);
  const queryCount = Number(values.queries ?? (values.quick ? 50 : 100));

  const dataDir = await mkdtemp(join(tmpdir(), 'edgerec-vector-measure-'));
  try {
    const data = randomVectors(count, dimension, 1);
    const queries = randomVectors(queryCount, dimension, 2);
    const records: VectorRecord[] = data.map((vector, i) => ({
      id: `item-${i}`,
      vector,
      metadata: { categories: [`c${i % CATEGORIES}`], createdAt: i, popularity: i % 97 },
    }));

    let server = await startVectorRestServer({ port: 0, token: TOKEN, dimension, dataDir });
    let index = new UpstashVectorIndex({ url: server.url, token: TOKEN });
    const ns = 'measure';

    let t = performance.now();
    await index.upsert(ns, records);
    const upsertMs = performance.now() - t;

    const annIds: string[][] = [];
    const annMs: number[] = [];
    for (const vector of queries) {
      t = performance.now();
      const hits = await index.query(ns, { vector, topK: K });
      annMs.push(performance.now() - t);
      annIds.push(hits.map((h) => h.id));
    }
    const exactIds = queries.map((q) =>
      bruteForceTopK(data, q, K, 'COSINE').map((i) => `item-${i}`),
    );

    // One category in ten: few enough matches that the server scans them exactly.
    const inCategory = data.map((_, i) => i).filter((i) => i % CATEGORIES === 3);
    const filteredIds: string[][] = [];
    const filteredMs: number[] = [];
    for (const vector of queries) {
      t = performance.now();
      const hits = await index.query(ns, { vector, topK: K, filter: "categories CONTAINS 'c3'" });
      filteredMs.push(performance.now() - t);
      filteredIds.push(hits.map((h) => h.id));
    }
    const subset = inCategory.map((i) => data[i] as number[]);
    const filteredExact = queries.map((q) =>
      bruteForceTopK(subset, q, K, 'COSINE').map((j) => `item-${inCategory[j]}`),
    );

    await server.close();
    t = performance.now();
    server = await startVectorRestServer({ port: 0, token: TOKEN, dimension, dataDir });
    const restartMs = performance.now() - t;
    index = new UpstashVectorIndex({ url: server.url, token: TOKEN });
    const countAfterRestart = await index.count(ns);
    await server.close();

    // The same search without HTTP and JSON: what the index itself costs per query.
    const direct = new NamespaceIndex(dimension, 'COSINE');
    direct.upsert(data.map((v, i) => ({ id: `item-${i}`, values: Float64Array.from(v) })));
    const directMs = queries.map((q) => {
      const values = Float64Array.from(q);
      const begin = performance.now();
      direct.query({ values, norm: norm(values) }, K);
      return performance.now() - begin;
    });

    const round = (x: number, digits = 2) => Number(x.toFixed(digits));
    const result = {
      vectors: count,
      dimension,
      queries: queryCount,
      k: K,
      recallAt10: round(recallAtK(annIds, exactIds), 4),
      medianQueryMs: round(median(annMs)),
      p95QueryMs: round(quantile(annMs, 0.95)),
      inProcessMedianQueryMs: round(median(directMs), 3),
      filteredRecallAt10: round(recallAtK(filteredIds, filteredExact), 4),
      filteredMedianQueryMs: round(median(filteredMs)),
      upsertMs: round(upsertMs, 0),
      restartMs: round(restartMs, 0),
      restoredVectors: server.restoredVectors,
      countAfterRestart,
    };
    console.log(JSON.stringify(result));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
