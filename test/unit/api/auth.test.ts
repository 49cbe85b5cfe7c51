import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, findKey } from '../../../workers/api/middleware/auth';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('API keys', () => {
  const keys = [
    { id: 'r', sha256: sha('reader-secret'), scopes: ['read' as const] },
    { id: 'w', sha256: sha('writer-secret'), scopes: ['write' as const] },
  ];

  it('finds a key by the SHA-256 of the presented secret, never by the secret itself', async () => {
    expect((await findKey(keys, 'writer-secret'))?.id).toBe('w');
    expect(await findKey(keys, sha('writer-secret'))).toBeNull();
    expect(await findKey(keys, 'unknown')).toBeNull();
    expect(await findKey([], 'reader-secret')).toBeNull();
  });

  it('compares digests without depending on where they differ', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
