/**
 * Test setup of the local Upstash Vector REST server: dimension 64, COSINE, on the fixed test
 * port with the test token, persisting to a temporary directory removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVectorRestServer } from '../../local/vector-rest/server';
import { TEST_PORTS, TEST_TOKENS } from './test-ports';

/** Dimension of the shared test index (the default `EDGEREC_DIMS`). */
export const TEST_VECTOR_DIMENSION = 64;

// Several vitest projects may run this global setup in one process: start once, stop with the last.
const SHARED = Symbol.for('edgerec.test.vector');
type Shared = { users: number; started: Promise<() => Promise<void>> };
const registry = globalThis as { [SHARED]?: Shared };

/** Starts the server for a test run; resolves to a function that stops it and removes its data. */
export async function startVectorForTests(): Promise<() => Promise<void>> {
  const shared = (registry[SHARED] ??= { users: 0, started: startOnce() });
  shared.users += 1;
  try {
    await shared.started;
  } catch (error) {
    delete registry[SHARED];
    throw error;
  }
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete registry[SHARED];
    await (
      await shared.started
    )();
  };
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
