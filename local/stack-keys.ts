/**
 * Secrets of a local stack: tokens of the two REST servers and three API keys (admin, write,
 * read), generated on first start and kept in `<stateDir>/keys.json` (mode 0600, never committed:
 * `.state/` is git-ignored) so that a restart keeps working with the same keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ApiKey, Scope } from '../shared/config';

const keysFileSchema = z.object({
  redisRestToken: z.string().min(16),
  vectorRestToken: z.string().min(16),
  apiKeys: z.object({
    admin: z.string().min(16),
    write: z.string().min(16),
    read: z.string().min(16),
  }),
});

/** The secrets of one local stack. */
export type StackKeys = z.infer<typeof keysFileSchema>;

/** Scopes of each local key: admin can do everything, the others only what their name says. */
export const LOCAL_KEY_SCOPES: Record<keyof StackKeys['apiKeys'], Scope[]> = {
  admin: ['read', 'write', 'admin'],
  write: ['write'],
  read: ['read'],
};

const secret = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;

/** Path of the keys file in a state directory. */
export const keysPath = (stateDir: string): string => join(stateDir, 'keys.json');

/** Reads `<stateDir>/keys.json`, or creates it with fresh random secrets. */
export function loadOrCreateKeys(stateDir: string): { keys: StackKeys; created: boolean } {
  const path = keysPath(stateDir);
  if (existsSync(path)) {
    const parsed = keysFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) {
      throw new Error(`${path} is not a valid keys file; run \`npm run reset\` to start afresh`);
    }
    return { keys: parsed.data, created: false };
  }
  const keys: StackKeys = {
    redisRestToken: secret('rrt'),
    vectorRestToken: secret('vrt'),
    apiKeys: { admin: secret('er_admin'), write: secret('er_write'), read: secret('er_read') },
  };
  writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { keys, created: true };
}

/** SHA-256 hex digest of an API key, as `EDGEREC_API_KEYS` stores it. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The `EDGEREC_API_KEYS` entries of the local keys: hashes and scopes, never the keys. */
export function apiKeyEntries(keys: StackKeys): ApiKey[] {
  return (Object.keys(LOCAL_KEY_SCOPES) as (keyof StackKeys['apiKeys'])[]).map((name) => ({
    id: `local-${name}`,
    sha256: sha256Hex(keys.apiKeys[name]),
    scopes: LOCAL_KEY_SCOPES[name],
  }));
}
