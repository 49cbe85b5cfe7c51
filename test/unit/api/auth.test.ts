import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
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

  it('hashes a recognised key once, and an unknown one on every attempt', async () => {
    const list = [...keys];
    const digest = vi.spyOn(crypto.subtle, 'digest');
    try {
      expect((await findKey(list, 'reader-secret'))?.id).toBe('r');
      expect((await findKey(list, 'reader-secret'))?.id).toBe('r');
      expect(digest).toHaveBeenCalledTimes(1);
      expect(await findKey(list, 'guess')).toBeNull();
      expect(await findKey(list, 'guess')).toBeNull();
      expect(digest).toHaveBeenCalledTimes(3);
      // Another key list (a new configuration) knows nothing of the first one's matches.
      expect(await findKey([keys[1]!], 'reader-secret')).toBeNull();
      expect(digest).toHaveBeenCalledTimes(4);
    } finally {
      digest.mockRestore();
    }
  });

  it('compares digests without depending on where they differ', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
