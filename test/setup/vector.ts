/**
 * Test setup of the local Upstash Vector REST server: dimension 64, COSINE, on the fixed test
 * port with the test token, persisting to a temporary directory removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVectorRestServer } from '../../local/vector-rest/server';
import { TEST_PORTS, TEST_TOKENS } from './test-ports';
import { startOncePerProcess } from './once-per-process';

/** Dimension of the shared test index (the default `EDGEREC_DIMS`). */
export const TEST_VECTOR_DIMENSION = 64;

/** Starts the server for a test run; resolves to a function that stops it and removes its data. */
export async function startVectorForTests(): Promise<() => Promise<void>> {
  return startOncePerProcess('vector', startOnce);
}

async function startOnce(): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'edgerec-vector-test-'));
  try {
    const server = await startVectorRestServer({
      port: TEST_PORTS.vectorRest,
      token: TEST_TOKENS.vectorRest,
      dimension: TEST_VECTOR_DIMENSION,
      similarity: 'COSINE',
      dataDir,
    });
    return async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
