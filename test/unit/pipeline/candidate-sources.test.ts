import { describe, expect, it } from 'vitest';
import type { ScoredItem } from '../../../shared/domain/artefacts';
import { sessionSource } from '../../../shared/pipeline/candidate-sources';
import { createRng } from '../../../shared/training/random';

/** What sessionSource's order must equal: the built-in stable sort by descending score. */
function expectedOrder(similarity: ReadonlyMap<string, { score: number }>): ScoredItem[] {
  return [...similarity]
    .map(([itemId, { score }]) => ({ itemId, score }))
    .sort((a, b) => b.score - a.score);
}

describe('sessionSource', () => {
  it('orders by descending score, ties in first-seen order, as the built-in stable sort', () => {
    const rng = createRng(13);
    for (const size of [0, 1, 2, 7, 64, 100, 257]) {
      const seeds = ['s0', 's1', 's2'];
      const neighbours = new Map(
        seeds.map((seed) => [
          seed,
          Array.from({ length: size }, () => ({
            itemId: `i${rng.int(size * 2 + 1)}`,
            // Coarse scores (many ties, both zeros) so that stability decides most of the order.
            score: rng.next() < 0.2 ? (rng.next() < 0.5 ? 0 : -0) : Math.round(rng.next() * 6) / 6,
          })),
        ]),
      );
      const out = sessionSource(seeds, neighbours, size);
      expect(out.items.length).toBe(out.similarity.size);
      expect(out.items).toEqual(expectedOrder(out.similarity));
      for (let i = 1; i < out.items.length; i++) {
        expect(out.items[i - 1]!.score).toBeGreaterThanOrEqual(out.items[i]!.score);
      }
    }
  });

  it('keeps the built-in order when a score is not finite', () => {
    const scores = [0.5, NaN, Infinity, 0.5, -Infinity, Infinity, 0.2, NaN, 1];
    const neighbours = new Map([['s', scores.map((score, i) => ({ itemId: `i${i}`, score }))]]);
    const out = sessionSource(['s'], neighbours, scores.length);
    expect(out.items).toEqual(expectedOrder(out.similarity));
  });
});
