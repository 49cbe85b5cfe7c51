import { describe, expect, it } from 'vitest';
import { mergeCandidates } from '../../../shared/pipeline/candidate-sources';
import { NO_SOURCES, sourceNames, withSource } from '../../../shared/pipeline/source-sets';

describe('interned source sets', () => {
  it('returns one shared set per ordered combination, names in the order they were added', () => {
    const a = withSource(withSource(NO_SOURCES, 'trending'), 'topn');
    const b = withSource(withSource(NO_SOURCES, 'trending'), 'topn');
    expect(a).toBe(b);
    expect(withSource(a, 'trending')).toBe(a);
    expect(sourceNames(a)).toEqual(['trending', 'topn']);
    const reversed = withSource(withSource(NO_SOURCES, 'topn'), 'trending');
    expect(reversed).not.toBe(a);
    expect(sourceNames(reversed)).toEqual(['topn', 'trending']);
    expect(Object.isFrozen(sourceNames(a))).toBe(true);
  });

  it('leaves sets it did not make alone and returns a new one', () => {
    const own = new Set(['ann'] as const);
    const more = withSource(own, 'fresh');
    expect([...more]).toEqual(['ann', 'fresh']);
    expect([...own]).toEqual(['ann']);
    expect(sourceNames(more)).toEqual(['ann', 'fresh']);
  });

  it('lets mergeCandidates record every proposing source in proposing order', () => {
    const pool = mergeCandidates([
      { source: 'trending', items: [{ itemId: 'x', score: 1 }] },
      {
        source: 'topn',
        items: [
          { itemId: 'y', score: 1 },
          { itemId: 'x', score: 1 },
        ],
      },
      { source: 'trending', items: [{ itemId: 'y', score: 1 }] },
    ]);
    expect([...pool.keys()]).toEqual(['x', 'y']);
    expect(sourceNames(pool.get('x')!.sources)).toEqual(['trending', 'topn']);
    expect(sourceNames(pool.get('y')!.sources)).toEqual(['topn', 'trending']);
    expect(pool.get('x')!.sources.has('ann')).toBe(false);
  });
});
