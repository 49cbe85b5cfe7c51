/**
 * Interned source sets: one shared Set (and list of names) per ordered combination of sources, so
 * that merging 500 candidates per request allocates no Set per candidate. There are at most
 * 1,956 ordered combinations of the six sources, so the table stays small for the isolate's life.
 */
import type { SourceName } from '../domain/features';

/** An interned set, its names in the order they were added, and the sets one source longer. */
interface SourceNode {
  set: ReadonlySet<SourceName>;
  names: readonly SourceName[];
  next: Map<SourceName, SourceNode>;
}

const ROOT: SourceNode = { set: new Set(), names: Object.freeze([]), next: new Map() };
const NODE_OF = new Map<ReadonlySet<SourceName>, SourceNode>([[ROOT.set, ROOT]]);

/** The empty interned set. */
export const NO_SOURCES: ReadonlySet<SourceName> = ROOT.set;

/**
 * `sources` with `source` added: `sources` itself when it already holds it, else the interned set
 * of the same names followed by `source` (a new Set when `sources` was not interned). Interned sets
 * are shared: never mutate them (their type does not allow it).
 */
export function withSource(
  sources: ReadonlySet<SourceName>,
  source: SourceName,
): ReadonlySet<SourceName> {
  if (sources.has(source)) return sources;
  const node = NODE_OF.get(sources);
  if (!node) return new Set([...sources, source]);
  let next = node.next.get(source);
  if (!next) {
    const names = Object.freeze([...node.names, source]);
    next = { set: new Set(names), names, next: new Map() };
    node.next.set(source, next);
    NODE_OF.set(next.set, next);
  }
  return next.set;
}

/** The names of `sources` in the order they were added (shared and frozen for interned sets). */
export function sourceNames(sources: ReadonlySet<SourceName>): readonly SourceName[] {
  return NODE_OF.get(sources)?.names ?? [...sources];
}
