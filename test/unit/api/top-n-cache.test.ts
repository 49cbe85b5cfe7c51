import { describe, expect, it } from 'vitest';
import type { TopNRecord } from '../../../shared/domain/artefacts';
import { TopNCache } from '../../../workers/api/services/top-n-cache';

const list = (version: string, userId: string, items = 10): TopNRecord => ({
  version,
  userId,
  items: Array.from({ length: items }, (_, i) => [`item-${i}`, 1 - i / items] as [string, number]),
  vector: [0.1, 0.2],
  seen: [],
  categoryAffinity: {},
});

describe('TopNCache', () => {
  it('answers only for the version it holds, and a new version starts afresh', () => {
    const cache = new TopNCache();
    const a = list('v1', 'u1');
    cache.set(a);
    expect(cache.get('v1', 'u1')).toBe(a);
    expect(cache.get('v2', 'u1')).toBeUndefined();
    expect(cache.get('v1', 'u2')).toBeUndefined();
    cache.set(list('v2', 'u2'));
    expect(cache.get('v1', 'u1')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('drops the least recently used lists once the memory estimate is over the bound', () => {
    // Room for three 10-item lists (160 + 10·96 + 2·16 bytes each).
    const cache = new TopNCache(3 * 1152 + 100);
    for (const u of ['u1', 'u2', 'u3']) cache.set(list('v1', u));
    expect(cache.get('v1', 'u1')).toBeDefined(); // u1 is now the most recent
    cache.set(list('v1', 'u4'));
    expect(cache.size).toBe(3);
    expect(cache.get('v1', 'u2')).toBeUndefined();
    for (const u of ['u1', 'u3', 'u4']) expect(cache.get('v1', u)).toBeDefined();
  });

  it('remembers that a version has no list for a user, until the version changes', () => {
    const cache = new TopNCache();
    expect(cache.get('v1', 'new-user')).toBeUndefined();
    cache.setAbsent('v1', 'new-user');
    expect(cache.get('v1', 'new-user')).toBeNull();
    cache.set(list('v2', 'u1'));
    expect(cache.get('v2', 'new-user')).toBeUndefined();
  });

  it('does not keep a list larger than the whole bound', () => {
    const cache = new TopNCache(4096);
    cache.set(list('v1', 'small', 5));
    cache.set(list('v1', 'huge', 1000));
    expect(cache.get('v1', 'huge')).toBeUndefined();
    expect(cache.get('v1', 'small')).toBeDefined();
  });
});
