import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiKeySchema } from '../shared/config';
import { apiKeyEntries, keysPath, loadOrCreateKeys, sha256Hex } from './stack-keys';

const made: string[] = [];
/** A fresh temporary directory, removed after the file's tests. */
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgerec-keys-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('loadOrCreateKeys', () => {
  it('creates distinct random secrets once, then returns the same ones', () => {
    const dir = tempDir();
    const first = loadOrCreateKeys(dir);
    expect(first.created).toBe(true);
    const secrets = [
      first.keys.redisRestToken,
      first.keys.vectorRestToken,
      ...Object.values(first.keys.apiKeys),
    ];
    expect(new Set(secrets).size).toBe(5);
    expect(statSync(keysPath(dir)).mode & 0o077).toBe(0);
    const second = loadOrCreateKeys(dir);
    expect(second.created).toBe(false);
    expect(second.keys).toEqual(first.keys);
    expect(loadOrCreateKeys(tempDir()).keys.apiKeys.admin).not.toBe(first.keys.apiKeys.admin);
  });

  it('refuses a damaged keys file instead of silently replacing it', () => {
    const dir = tempDir();
    writeFileSync(keysPath(dir), JSON.stringify({ redisRestToken: 'short' }));
    expect(() => loadOrCreateKeys(dir)).toThrow(/npm run reset/);
  });
});

describe('apiKeyEntries', () => {
  it('lists hashes with scopes, never the keys themselves', () => {
    const { keys } = loadOrCreateKeys(tempDir());
    const entries = apiKeyEntries(keys);
    for (const entry of entries) expect(apiKeySchema.safeParse(entry).success).toBe(true);
    expect(entries.map((e) => [e.id, e.scopes])).toEqual([
      ['local-admin', ['read', 'write', 'admin']],
      ['local-write', ['write']],
      ['local-read', ['read']],
    ]);
    expect(entries[2]!.sha256).toBe(sha256Hex(keys.apiKeys.read));
    const text = JSON.stringify(entries);
    for (const key of Object.values(keys.apiKeys)) expect(text).not.toContain(key);
  });

  it('hashes like the API worker checks (SHA-256 hex)', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
