/**
 * The version's scorer as the edge evaluates it: tree ensembles are compiled once per version into
 * typed arrays. Shallow ensembles (every tree at most `MAX_UNROLLED_DEPTH` deep) become complete
 * binary trees in heap order, walked by a fixed number of unrolled steps, with a dedicated walk for
 * depth 3 (what trainGbdt grows); deeper ones keep one node table walked node by node. Same
 * semantics as shared/training/apply-scorer.ts (`x ≤ threshold` goes left, leaf values summed in
 * tree order, so the scores are bit-identical); the unit tests check equality.
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
  if (depth <= 3) return depthThreeScorer(model);
  if (depth <= MAX_UNROLLED_DEPTH) return completeTreeScorer(model, depth);
  return nodeTableScorer(model);
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

/** Complete trees of `depth` levels of splits, tree after tree (see `completeTrees`). */
interface CompleteTrees {
  /** Split feature and threshold of each tree's 2^depth − 1 splits, heap order. */
  feature: Int32Array;
  threshold: Float64Array;
  /** Each tree's 2^depth leaf values, times the learning rate. */
  value: Float64Array;
}

/**
 * Each tree padded to a complete tree of `depth` levels of splits: a leaf above the last level
 * becomes a split whose two subtrees repeat the leaf, so every path takes exactly `depth` steps
 * and heap order (children of i at 2i + 1 and 2i + 2) replaces the child links. The walk is then
 * a straight sequence of loads and compares, which V8 runs several times faster than a loop over
 * a node table, whose per-tree trip count it cannot predict.
 */
function completeTrees(model: Gbdt, depth: number): CompleteTrees {
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
  return { feature, threshold, value };
}

/**
 * Trees of depth ≤ 3, padded to 3: seven splits and eight leaves per tree, three steps written
 * out. The constants matter once an isolate has compiled a second version's scorer: V8 then stops
 * specialising the walk to one model's closure, and a walk that reads its depth from the closure
 * runs about half as fast as this one.
 */
function depthThreeScorer(model: Gbdt): ScoreFunction {
  const { feature, threshold, value } = completeTrees(model, 3);
  const trees = model.trees.length;
  const base = model.base;
  return function scoreDepthThree(x: Float64Array): number {
    const f = feature;
    const th = threshold;
    const v = value;
    let s = base;
    for (let t = 0; t < trees; t++) {
      const b = 7 * t;
      let i = x[f[b]!]! <= th[b]! ? 1 : 2;
      i = 2 * i + (x[f[b + i]!]! <= th[b + i]! ? 1 : 2);
      i = 2 * i + (x[f[b + i]!]! <= th[b + i]! ? 1 : 2);
      // Leaf j of tree t is value[8t + j] and i = j + 7.
      s += v[b + t + i - 7]!;
    }
    return s;
  };
}

/** Trees of depth 4..MAX_UNROLLED_DEPTH: one guarded step per level (always predicted). */
function completeTreeScorer(model: Gbdt, depth: number): ScoreFunction {
  const { feature, threshold, value } = completeTrees(model, depth);
  const splits = 2 ** depth - 1;
  const trees = model.trees.length;
  const base = model.base;
  return function scoreCompleteTrees(x: Float64Array): number {
    // Locals rather than the closure's slots in the loop, so V8 keeps them in registers.
    const f = feature;
    const th = threshold;
    const v = value;
    const d = depth;
    const stride = splits;
    let s = base;
    for (let t = 0; t < trees; t++) {
      const b = t * stride;
      let i = x[f[b]!]! <= th[b]! ? 1 : 2;
      if (d > 1) i = 2 * i + (x[f[b + i]!]! <= th[b + i]! ? 1 : 2);
      if (d > 2) i = 2 * i + (x[f[b + i]!]! <= th[b + i]! ? 1 : 2);
      if (d > 3) i = 2 * i + (x[f[b + i]!]! <= th[b + i]! ? 1 : 2);
      if (d > 4) i = 2 * i + (x[f[b + i]!]! <= th[b + i]! ? 1 : 2);
      if (d > 5) i = 2 * i + (x[f[b + i]!]! <= th[b + i]! ? 1 : 2);
      if (d > 6) i = 2 * i + (x[f[b + i]!]! <= th[b + i]! ? 1 : 2);
      if (d > 7) i = 2 * i + (x[f[b + i]!]! <= th[b + i]! ? 1 : 2);
      // Leaf j of tree t is value[(stride + 1)·t + j] and i = j + stride.
      s += v[b + t + i - stride]!;
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
