/**
 * Middleware: bearer API keys. A key is known by the SHA-256 of its text (`EDGEREC_API_KEYS`
 * stores digests only); digests are compared in constant time against every configured key.
 */
import type { MiddlewareHandler } from 'hono';
import type { ApiKey, Scope } from '../../../shared/config';
import { hexDigest } from '../../../shared/digest';
import { ForbiddenError, UnauthorizedError } from '../../../shared/errors';
import type { AppEnv } from '../app-env';

/** Requires a known key with `scope`; sets `apiKey` on the context. */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async function authMiddleware(c, next) {
    const header = c.req.header('Authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthorizedError();
    const key = await findKey(c.get('deps').config.EDGEREC_API_KEYS, match[1]!);
    if (!key) throw new UnauthorizedError('The API key is not known.');
    if (!key.scopes.includes(scope)) throw new ForbiddenError(scope);
    c.set('apiKey', key);
    await next();
  };
}

/**
 * Keys already recognised, per configured key list: a known key is hashed once per isolate, not on
 * every request. Only matches are kept (an unknown key is hashed again each time, so guesses cannot
 * fill the map), at most `KNOWN_KEYS_CAP` per list.
 */
const known = new WeakMap<readonly ApiKey[], Map<string, ApiKey>>();
const KNOWN_KEYS_CAP = 64;

/** The configured key whose digest equals SHA-256(`presented`), or null. */
export async function findKey(keys: readonly ApiKey[], presented: string): Promise<ApiKey | null> {
  let recognised = known.get(keys);
  if (!recognised) known.set(keys, (recognised = new Map()));
  const hit = recognised.get(presented);
  if (hit) return hit;
  const found = await matchDigest(keys, presented);
  if (found && recognised.size < KNOWN_KEYS_CAP) recognised.set(presented, found);
  return found;
}

async function matchDigest(keys: readonly ApiKey[], presented: string): Promise<ApiKey | null> {
  const hex = await hexDigest('SHA-256', presented);
  let found: ApiKey | null = null;
  // Every key is compared, in constant time, so timing reveals neither which key nor how much matched.
  for (const key of keys) {
    if (constantTimeEqual(key.sha256, hex) && found === null) found = key;
  }
  return found;
}

/** Compares two strings without an early exit on the first difference. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
