/** Test helper: typed clients of the worker under test (through `SELF.fetch`), one per scope. */
import { env, SELF } from 'cloudflare:test';
import type { ApiBindings } from '../../../workers/api/app-env';
import { createClient } from '../../../workers/api/client';
import { TEST_API_KEYS } from '../../setup/test-ports';

const selfFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
  SELF.fetch(input as Request | string, init)) as typeof fetch;

export const BASE_URL = 'http://edge.test';

export function clientFor(scope: keyof typeof TEST_API_KEYS) {
  return createClient(BASE_URL, TEST_API_KEYS[scope], selfFetch);
}

/** A client that sends `key` verbatim (unknown keys, missing scopes). */
export function clientWithKey(key: string) {
  return createClient(BASE_URL, key, selfFetch);
}

/** The worker's bindings in this test project (wrangler.toml + TEST_BINDINGS), for `app.request`. */
export const testEnv = env as unknown as ApiBindings & { EDGEREC_API_KEYS: string };
