/**
 * The version's scorer as the edge evaluates it: tree ensembles are compiled once per version into
 * typed arrays. Shallow ensembles (every tree at most `MAX_UNROLLED_DEPTH` deep, as trainGbdt grows
 * them) become complete binary trees in heap order, walked by a fixed number of unrolled steps;
 * deeper ones keep one node table walked node by node. Same semantics as
 * shared/training/apply-scorer.ts (`x ≤ threshold` goes left, leaf values summed in tree order, so
 * the scores are bit-identical); the unit tests check equality.
 */
import type { ScorerModel } from '../domain/artefacts';
import { applyScorer } from '../training/apply-scorer';
import type { ScoreFunction } from './serving-model';

type Gbdt = Extract<ScorerModel, { kind: 'gbdt' }>;
type Tree = Gbdt['trees'][number];

/**
 * Deepest ensemble compiled to complete trees. A complete tree of depth d holds 2^(d+1) − 1 nodes
 * whatever the real tree's shape, so the padding is bounded by 512 nodes per tree here.
 */
export const MAX_UNROLLED_DEPTH = 8;

/** A score function for `model`, compiled where that pays (gbdt), else `applyScorer` itself. */
export function compileScorer(model: ScorerModel): ScoreFunction {
  if (model.kind !== 'gbdt') return (features) => applyScorer(model, features);
  let depth = 0;
  for (const tree of model.trees) depth = Math.max(depth, treeDepth(tree, 0, 0));
  return depth <= MAX_UNROLLED_DEPTH
    ? completeTreeScorer(model, Math.max(1, depth))
    : nodeTableScorer(model);
}

/**
 * Depth of the subtree at `node` below `level` (a leaf alone has depth 0); Infinity when it is
 * deeper than `MAX_UNROLLED_DEPTH` or a child link leaves the tree, which sends the model to
 * `nodeTableScorer` and so keeps applyScorer's behaviour for any input.
 */
function treeDepth(tree: Tree, node: number, level: number): number {
  if (!(node >= 0 && node < tree.feature.length)) return Infinity;
  if (tree.feature[node]! < 0) return 0;
  if (level >= MAX_UNROLLED_DEPTH) return Infinity;
  const left = treeDepth(tree, tree.left[node]!, level + 1);
  const right = treeDepth(tree, tree.right[node]!, level + 1);
  return 1 + Math.max(left, right);
}

/**
 * Each tree padded to a complete tree of `depth` levels of splits: a leaf above the last level
 * becomes a split whose two subtrees repeat the leaf, so every path takes exactly `depth` steps
 * and heap order (children of i at 2i + 1 and 2i + 2) replaces the child links. The walk is then
 * a straight sequence of loads and compares; V8 runs it about 2–3× faster than a loop over a node
 * table, whose per-tree trip count (1–3) it cannot predict.
 */
function completeTreeScorer(model: Gbdt, depth: number): ScoreFunction {
  const splits = 2 ** depth - 1;
  const leaves = 2 ** depth;
  const trees = model.trees.length;
  const feature = new Int32Array(trees * splits);
  const threshold = new Float64Array(trees * splits);
  // Leaf values are scaled by the learning rate once, here (the same product applyScorer forms).
  const value = new Float64Array(trees * leaves);
  model.trees.forEach((tree, t) => {
    const place = (node: number, slot: number, level: number): void => {
      const isLeaf = tree.feature[node]! < 0;
      if (level === depth) {
        value[t * leaves + slot - splits] = model.learningRate * (tree.value[node] ?? 0);
        return;
      }
      // A padding split's direction does not matter: both subtrees hold the same leaf.
      feature[t * splits + slot] = isLeaf ? 0 : tree.feature[node]!;
      threshold[t * splits + slot] = isLeaf ? 0 : (tree.threshold[node] ?? 0);
      place(isLeaf ? node : tree.left[node]!, 2 * slot + 1, level + 1);
      place(isLeaf ? node : tree.right[node]!, 2 * slot + 2, level + 1);
    };
    place(0, 0, 0);
  });
  const base = model.base;
  // One guarded step per level: the guards depend on `depth` only, so they are always predicted.
  return function scoreCompleteTrees(x: Float64Array): number {
    let s = base;
    for (let t = 0; t < trees; t++) {
      const b = t * splits;
      let i = x[feature[b]!]! <= threshold[b]! ? 1 : 2;
      if (depth > 1) i = 2 * i + (x[feature[b + i]!]! <= threshold[b + i]! ? 1 : 2);
      if (depth > 2) i = 2 * i + (x[feature[b + i]!]! <= threshold[b + i]! ? 1 : 2);
      if (depth > 3) i = 2 * i + (x[feature[b + i]!]! <= threshold[b + i]! ? 1 : 2);
      if (depth > 4) i = 2 * i + (x[feature[b + i]!]! <= threshold[b + i]! ? 1 : 2);
      if (depth > 5) i = 2 * i + (x[feature[b + i]!]! <= threshold[b + i]! ? 1 : 2);
      if (depth > 6) i = 2 * i + (x[feature[b + i]!]! <= threshold[b + i]! ? 1 : 2);
      if (depth > 7) i = 2 * i + (x[feature[b + i]!]! <= threshold[b + i]! ? 1 : 2);
      s += value[t * leaves + i - splits]!;
    }
    return s;
  };
}

/** Deep ensembles: one node table for all trees, child links as absolute indices. */
function nodeTableScorer(model: Gbdt): ScoreFunction {
  let total = 0;
  for (const tree of model.trees) total += tree.feature.length;
  const feature = new Int32Array(total);
  const threshold = new Float64Array(total);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const value = new Float64Array(total);
  const roots = new Int32Array(model.trees.length);
  let offset = 0;
  model.trees.forEach((tree, t) => {
    roots[t] = offset;
    for (let i = 0; i < tree.feature.length; i++) {
      const f = tree.feature[i]!;
      feature[offset + i] = f;
      threshold[offset + i] = tree.threshold[i] ?? 0;
      left[offset + i] = f >= 0 ? offset + tree.left[i]! : -1;
      right[offset + i] = f >= 0 ? offset + tree.right[i]! : -1;
      value[offset + i] = model.learningRate * (tree.value[i] ?? 0);
    }
    offset += tree.feature.length;
  });
  const base = model.base;
  return function scoreNodeTable(x: Float64Array): number {
    let s = base;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t]!;
      let f = feature[node]!;
      while (f >= 0) {
        node = x[f]! <= threshold[node]! ? left[node]! : right[node]!;
        f = feature[node]!;
      }
      s += value[node]!;
    }
    return s;
  };
}
