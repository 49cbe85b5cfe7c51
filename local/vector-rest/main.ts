/**
 * Command-line entry of the local Upstash Vector REST server, for manual use:
 * `tsx local/vector-rest/main.ts --port 8078 --dimension 64 --data-dir .state/vector`
 * (token from `--token` or `UPSTASH_VECTOR_REST_TOKEN`).
 */
import { parseArgs } from 'node:util';
import { startVectorRestServer } from './server';
import { SIMILARITY_FUNCTIONS } from './similarity';
import type { SimilarityFunction } from './similarity';

const USAGE = `Usage: tsx local/vector-rest/main.ts --port <n> --dimension <n> [--token <t>]
       [--similarity COSINE|EUCLIDEAN|DOT_PRODUCT] [--data-dir <dir>] [--host 127.0.0.1]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      token: { type: 'string' },
      dimension: { type: 'string' },
      similarity: { type: 'string', default: 'COSINE' },
      'data-dir': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const token = values.token ?? process.env.UPSTASH_VECTOR_REST_TOKEN;
  const port = Number(values.port);
  const dimension = Number(values.dimension);
  const similarity = values.similarity as SimilarityFunction;
  if (
    token === undefined ||
    token === '' ||
    !Number.isInteger(port) ||
    values.port === undefined ||
    !Number.isInteger(dimension) ||
    !SIMILARITY_FUNCTIONS.includes(similarity)
  ) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const server = await startVectorRestServer({
    host: values.host,
    port,
    token,
    dimension,
    similarity,
    ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
  });
  const ms = (performance.now() - started).toFixed(0);
  console.log(
    `vector-rest listening on ${server.url} (dimension ${dimension}, ${similarity}, ` +
      `${server.restoredVectors} vectors restored in ${ms} ms)`,
  );
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('vector-rest: failed to save on shutdown', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
