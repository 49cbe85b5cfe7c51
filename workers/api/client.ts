/** A typed client of the public API (`hono/client` over the app's type). */
import { hc } from 'hono/client';
import type { AppType } from './app';

/** A client for `baseUrl` that sends `key` as the bearer token; `fetchImpl` for tests (`SELF.fetch`). */
export function createClient(baseUrl: string, key: string, fetchImpl?: typeof fetch) {
  return hc<AppType>(baseUrl, {
    headers: { Authorization: `Bearer ${key}` },
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  });
}

export type EdgerecClient = ReturnType<typeof createClient>;
