/**
 * The learned re-ranker ("scorer") over `buildFeatures`: trained on the validation slice (the
 * base model's top-N candidates of validation users, label = the candidate is in the user's
 * held-out interactions) and kept only if it beats the base order on users it was not fitted on.
 * Two kinds: logistic regression (Newton/IRLS) and gradient-boosted trees on the logistic loss
 * (Friedman 2001, with XGBoost's second-order leaf values, Chen & Guestrin 2016).
 */
import type { ScorerModel } from '../domain/artefacts';
import { FEATURE_COUNT, FEATURE_NAMES } from '../domain/features';
import { applyScorer } from './apply-scorer';
import { choleskyInPlace, choleskySolveInPlace } from './dense';

export { applyScorer } from './apply-scorer';

/**
 * Candidate lists of several users, row-major features (rows × FEATURE_COUNT). Group g owns
 * rows `groupStart[g] .. groupStart[g+1]`, in base-model order; `relevantCount[g]` counts all
 * relevant items of the user (also those the candidates missed), for the ideal DCG.
 */
export interface ScorerDataset {
  features: Float64Array;
  /** Item index of each row (for list metrics). */
  items: Int32Array;
  labels: Uint8Array;
  groupStart: Int32Array;
  relevantCount: Int32Array;
}

export const datasetRows = (d: ScorerDataset): number => d.labels.length;
export const datasetGroups = (d: ScorerDataset): number => d.groupStart.length - 1;

/** Keeps the groups whose index satisfies `keep` (e.g. one half of the users). */
export function selectGroups(d: ScorerDataset, keep: (g: number) => boolean): ScorerDataset {
  const groups: number[] = [];
  let rows = 0;
  for (let g = 0; g < datasetGroups(d); g++) {
    if (!keep(g)) continue;
    groups.push(g);
    rows += d.groupStart[g + 1]! - d.groupStart[g]!;
  }
  const features = new Float64Array(rows * FEATURE_COUNT);
  const labels = new Uint8Array(rows);
  const items = new Int32Array(rows);
  const groupStart = new Int32Array(groups.length + 1);
  const relevantCount = new Int32Array(groups.length);
  let r = 0;
  groups.forEach((g, k) => {
    const a = d.groupStart[g]!;
    const b = d.groupStart[g + 1]!;
    features.set(d.features.subarray(a * FEATURE_COUNT, b * FEATURE_COUNT), r * FEATURE_COUNT);
    labels.set(d.labels.subarray(a, b), r);
    items.set(d.items.subarray(a, b), r);
    relevantCount[k] = d.relevantCount[g]!;
    r += b - a;
    groupStart[k + 1] = r;
  });
  return { features, items, labels, groupStart, relevantCount };
}

/**
 * Mean binary nDCG@k over the groups when each group's candidates are sorted by `score` (ties
 * keep the base order), with the ideal DCG over min(k, relevantCount) as in metrics.ts.
 */
export function datasetNdcg(d: ScorerDataset, score: Float64Array | null, k: number): number {
  const per = groupNdcg(d, score, k);
  let total = 0;
  for (const v of per) total += v;
  return per.length === 0 ? 0 : total / per.length;
}

/** nDCG@k of each group (see `datasetNdcg`). */
export function groupNdcg(d: ScorerDataset, score: Float64Array | null, k: number): Float64Array {
  const groups = datasetGroups(d);
  const out = new Float64Array(groups);
  const order: number[] = [];
  for (let g = 0; g < groups; g++) {
    const a = d.groupStart[g]!;
    const b = d.groupStart[g + 1]!;
    order.length = 0;
    for (let r = a; r < b; r++) order.push(r);
    if (score) order.sort((x, y) => score[y]! - score[x]! || x - y);
    let dcg = 0;
    for (let i = 0; i < Math.min(k, order.length); i++) {
      if (d.labels[order[i]!]) dcg += 1 / Math.log(2 + i);
    }
    let idcg = 0;
    for (let i = 0; i < Math.min(k, d.relevantCount[g]!); i++) idcg += 1 / Math.log(2 + i);
    out[g] = idcg === 0 ? 0 : dcg / idcg;
  }
  return out;
}

/**
 * Paired t statistic of the per-group gain `b − a` (mean over its standard error): how far a
 * re-ranker's gain over the base order stands out of the noise of the users it was judged on.
 * 0 when there is no gain or fewer than two groups; 1e9 for a constant positive gain (finite, so
 * that it survives JSON in the manifest's hyper-parameters).
 */
export function pairedGainT(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  if (n < 2) return 0;
  let mean = 0;
  for (let g = 0; g < n; g++) mean += b[g]! - a[g]!;
  mean /= n;
  if (mean <= 0) return 0;
  let v = 0;
  for (let g = 0; g < n; g++) v += (b[g]! - a[g]! - mean) ** 2;
  const se = Math.sqrt(v / (n - 1) / n);
  return se === 0 ? 1e9 : Math.min(1e9, mean / se);
}

/** Scores every row of `d` with `model`. */
export function scoreDataset(model: ScorerModel, d: ScorerDataset): Float64Array {
  const n = datasetRows(d);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    out[r] = applyScorer(model, d.features.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT));
  }
  return out;
}

/** Feature columns that vary in the data (constant columns carry nothing and are left out). */
function activeFeatures(d: ScorerDataset): number[] {
  const n = datasetRows(d);
  const active: number[] = [];
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const first = d.features[j];
    for (let r = 1; r < n; r++) {
      if (d.features[r * FEATURE_COUNT + j] !== first) {
        active.push(j);
        break;
      }
    }
  }
  return active;
}

export interface LogisticOptions {
  /** L2 penalty on the standardised weights (not the bias). */
  l2: number;
  /** Newton iterations (the loss is convex; 10–20 converge). */
  iterations: number;
}

/**
 * L2-regularised logistic regression on standardised features, fitted by Newton's method
 * (iteratively reweighted least squares): exact, deterministic, and the Hessian is only
 * FEATURE_COUNT² in size. Constant features get weight 0 and scale 1.
 */
export function trainLogistic(
  d: ScorerDataset,
  options: LogisticOptions = { l2: 1, iterations: 15 },
): Extract<ScorerModel, { kind: 'logistic' }> {
  const n = datasetRows(d);
  const F = FEATURE_COUNT;
  const active = activeFeatures(d);
  const mean = new Array<number>(F).fill(0);
  const scale = new Array<number>(F).fill(1);
  for (const j of active) {
    let s = 0;
    for (let r = 0; r < n; r++) s += d.features[r * F + j]!;
    const m = s / n;
    let v = 0;
    for (let r = 0; r < n; r++) v += (d.features[r * F + j]! - m) ** 2;
    mean[j] = m;
    scale[j] = Math.sqrt(v / n) || 1;
  }
  // Parameters: weights of the active features, then the bias.
  const p = active.length + 1;
  const w = new Float64Array(p);
  const x = new Float64Array(p);
  const grad = new Float64Array(p);
  const hess = new Float64Array(p * p);
  for (let it = 0; it < options.iterations; it++) {
    grad.fill(0);
    hess.fill(0);
    for (let r = 0; r < n; r++) {
      for (let a = 0; a < active.length; a++) {
        const j = active[a]!;
        x[a] = (d.features[r * F + j]! - mean[j]!) / scale[j]!;
      }
      x[p - 1] = 1;
      let z = 0;
      for (let a = 0; a < p; a++) z += w[a]! * x[a]!;
      const prob = 1 / (1 + Math.exp(-z));
      const g = prob - d.labels[r]!;
      const h = Math.max(prob * (1 - prob), 1e-12);
      for (let a = 0; a < p; a++) {
        grad[a] = grad[a]! + g * x[a]!;
        const row = a * p;
        for (let b = a; b < p; b++) hess[row + b] = hess[row + b]! + h * x[a]! * x[b]!;
      }
    }
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < a; b++) hess[a * p + b] = hess[b * p + a]!;
      if (a < p - 1) {
        grad[a] = grad[a]! + options.l2 * w[a]!;
        hess[a * p + a] = hess[a * p + a]! + options.l2;
      }
      hess[a * p + a] = hess[a * p + a]! + 1e-9;
    }
    choleskyInPlace(hess, p);
    choleskySolveInPlace(hess, p, grad);
    let change = 0;
    for (let a = 0; a < p; a++) {
      w[a] = w[a]! - grad[a]!;
      change = Math.max(change, Math.abs(grad[a]!));
    }
    if (change < 1e-8) break;
  }
  const weights = new Array<number>(F).fill(0);
  active.forEach((j, a) => (weights[j] = w[a]!));
  return {
    kind: 'logistic',
    features: [...FEATURE_NAMES],
    weights,
    bias: w[p - 1]!,
    mean,
    scale,
  };
}

export interface GbdtOptions {
  trees: number;
  depth: number;
  learningRate: number;
  /** L2 penalty λ on leaf values: value = −G / (H + λ). */
  l2: number;
  /** Smallest hessian sum of a leaf. */
  minChildWeight: number;
  /** Histogram bins per feature (split candidates at bin edges). */
  bins: number;
}

export const DEFAULT_GBDT_OPTIONS: GbdtOptions = {
  trees: 60,
  depth: 3,
  learningRate: 0.1,
  l2: 1,
  minChildWeight: 5,
  bins: 32,
};

type Tree = Extract<ScorerModel, { kind: 'gbdt' }>['trees'][number];

/**
 * Gradient-boosted regression trees on the logistic loss. Features are quantised into at most
 * `bins` quantile bins so that each split search is a histogram scan; thresholds are real
 * feature values, so `applyScorer` needs no bins.
 */
export function trainGbdt(
  d: ScorerDataset,
  options: GbdtOptions = DEFAULT_GBDT_OPTIONS,
): Extract<ScorerModel, { kind: 'gbdt' }> {
  const n = datasetRows(d);
  const F = FEATURE_COUNT;
  const active = activeFeatures(d);
  // Bin edges per active feature: sorted distinct quantiles; bin b holds values ≤ edges[b].
  const edges: Float64Array[] = [];
  const binned = new Uint8Array(n * active.length);
  const column = new Float64Array(n);
  active.forEach((j, a) => {
    for (let r = 0; r < n; r++) column[r] = d.features[r * F + j]!;
    const sorted = Float64Array.from(column).sort();
    const cuts: number[] = [];
    for (let b = 1; b <= options.bins; b++) {
      const v = sorted[Math.min(n - 1, Math.floor((b * n) / options.bins) - 1)]!;
      if (cuts.length === 0 || v > cuts[cuts.length - 1]!) cuts.push(v);
    }
    const e = Float64Array.from(cuts);
    edges.push(e);
    for (let r = 0; r < n; r++) {
      const v = column[r]!;
      let lo = 0;
      let hi = e.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v <= e[mid]!) hi = mid;
        else lo = mid + 1;
      }
      binned[r * active.length + a] = lo;
    }
  });

  let positives = 0;
  for (let r = 0; r < n; r++) positives += d.labels[r]!;
  const prior = Math.min(Math.max(positives / Math.max(1, n), 1e-6), 1 - 1e-6);
  const base = Math.log(prior / (1 - prior));
  const margin = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const nodeOf = new Int32Array(n);
  const A = active.length;
  const B = options.bins;
  const histG = new Float64Array(A * B);
  const histH = new Float64Array(A * B);
  const trees: Tree[] = [];

  for (let t = 0; t < options.trees; t++) {
    // Logistic loss: gradient p − y and hessian p(1 − p) of each row's margin.
    for (let r = 0; r < n; r++) {
      const p = 1 / (1 + Math.exp(-margin[r]!));
      grad[r] = p - d.labels[r]!;
      hess[r] = Math.max(p * (1 - p), 1e-12);
    }
    const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const addNode = (): number => {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      return tree.feature.length - 1;
    };
    nodeOf.fill(addNode());
    // Grow level by level; `frontier` holds the nodes that may still split.
    let frontier = [0];
    for (let level = 0; level <= options.depth; level++) {
      const next: number[] = [];
      for (const node of frontier) {
        histG.fill(0);
        histH.fill(0);
        let G = 0;
        let H = 0;
        for (let r = 0; r < n; r++) {
          if (nodeOf[r] !== node) continue;
          const g = grad[r]!;
          const h = hess[r]!;
          G += g;
          H += h;
          const o = r * A;
          for (let a = 0; a < A; a++) {
            const k = a * B + binned[o + a]!;
            histG[k] = histG[k]! + g;
            histH[k] = histH[k]! + h;
          }
        }
        tree.value[node] = -G / (H + options.l2);
        if (level === options.depth || H < 2 * options.minChildWeight) continue;
        // Best split by the second-order gain ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)].
        const parent = (G * G) / (H + options.l2);
        let bestGain = 1e-9;
        let bestA = -1;
        let bestBin = -1;
        for (let a = 0; a < A; a++) {
          let gl = 0;
          let hl = 0;
          const e = edges[a]!;
          for (let b = 0; b < e.length - 1; b++) {
            gl += histG[a * B + b]!;
            hl += histH[a * B + b]!;
            const hr = H - hl;
            if (hl < options.minChildWeight || hr < options.minChildWeight) continue;
            const gr = G - gl;
            const gain = (gl * gl) / (hl + options.l2) + (gr * gr) / (hr + options.l2) - parent;
            if (gain > bestGain) {
              bestGain = gain;
              bestA = a;
              bestBin = b;
            }
          }
        }
        if (bestA < 0) continue;
        const left = addNode();
        const right = addNode();
        tree.feature[node] = active[bestA]!;
        tree.threshold[node] = edges[bestA]![bestBin]!;
        tree.left[node] = left;
        tree.right[node] = right;
        for (let r = 0; r < n; r++) {
          if (nodeOf[r] !== node) continue;
          nodeOf[r] = binned[r * A + bestA]! <= bestBin ? left : right;
        }
        next.push(left, right);
      }
      frontier = next;
      if (frontier.length === 0) break;
    }
    for (let r = 0; r < n; r++)
      margin[r] = margin[r]! + options.learningRate * tree.value[nodeOf[r]!]!;
    trees.push(tree);
  }
  return {
    kind: 'gbdt',
    features: [...FEATURE_NAMES],
    base,
    learningRate: options.learningRate,
    trees,
  };
}

/**
 * Smallest paired t statistic (`pairedGainT`) of a re-ranker's gain over the base order for it to
 * be served (≈ one-sided 97.5 %). A gain within the noise of the judging users is no evidence: on
 * MovieLens-100K a logistic scorer won by +0.001 nDCG on the validation half and lost 0.006 on
 * the test file.
 */
export const MIN_SCORER_GAIN_T = 2;

/** The outcome of scorer selection: the model to serve and the evidence for it. */
export interface ScorerChoice {
  model: ScorerModel;
  /** nDCG@10 of the base order and of each trained kind on the evaluation half. */
  baseNdcg: number;
  logisticNdcg: number;
  gbdtNdcg: number;
  /** Paired t statistic of each kind's gain over the base order on the evaluation half. */
  logisticGainT: number;
  gbdtGainT: number;
}

/**
 * Fits both kinds on the users with `isTrainGroup(g)`, compares them with the base order on the
 * other users, and refits the best on all users if it beats the base order by more than the
 * noise (`MIN_SCORER_GAIN_T`); otherwise 'identity'.
 */
export function chooseScorer(
  d: ScorerDataset,
  isTrainGroup: (g: number) => boolean,
  k = 10,
): ScorerChoice {
  const fitSet = selectGroups(d, isTrainGroup);
  const evalSet = selectGroups(d, (g) => !isTrainGroup(g));
  const base = groupNdcg(evalSet, null, k);
  const baseNdcg = mean(base);
  if (datasetRows(fitSet) === 0 || datasetRows(evalSet) === 0) {
    return {
      model: { kind: 'identity' },
      baseNdcg,
      logisticNdcg: 0,
      gbdtNdcg: 0,
      logisticGainT: 0,
      gbdtGainT: 0,
    };
  }
  const logistic = groupNdcg(evalSet, scoreDataset(trainLogistic(fitSet), evalSet), k);
  const gbdt = groupNdcg(evalSet, scoreDataset(trainGbdt(fitSet), evalSet), k);
  const logisticNdcg = mean(logistic);
  const gbdtNdcg = mean(gbdt);
  const logisticGainT = pairedGainT(base, logistic);
  const gbdtGainT = pairedGainT(base, gbdt);
  const logisticOk = logisticNdcg > baseNdcg && logisticGainT >= MIN_SCORER_GAIN_T;
  const gbdtOk = gbdtNdcg > baseNdcg && gbdtGainT >= MIN_SCORER_GAIN_T;
  let model: ScorerModel = { kind: 'identity' };
  if (gbdtOk && (!logisticOk || gbdtNdcg >= logisticNdcg)) model = trainGbdt(d);
  else if (logisticOk) model = trainLogistic(d);
  return { model, baseNdcg, logisticNdcg, gbdtNdcg, logisticGainT, gbdtGainT };
}

function mean(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length === 0 ? 0 : s / a.length;
}
