/**
 * Per-item explanations: the features that moved the score most, measured model-agnostically by
 * occlusion (score with the feature versus with the feature set to 0), so that the same code
 * explains identity, logistic and tree scorers.
 */
import { FEATURE_NAMES } from '../domain/features';
import type { ScoreFunction } from './serving-model';

/** One feature's share of the score. */
export interface FeatureContribution {
  feature: string;
  value: number;
  contribution: number;
}

/** The `top` features with the largest |contribution|, largest first. */
export function featureContributions(
  score: ScoreFunction,
  features: Float64Array,
  top = 5,
): FeatureContribution[] {
  const full = score(features);
  const probe = new Float64Array(features);
  const out: FeatureContribution[] = [];
  for (let j = 0; j < features.length; j++) {
    const value = features[j]!;
    if (value === 0) continue;
    probe[j] = 0;
    const contribution = full - score(probe);
    probe[j] = value;
    if (contribution !== 0) out.push({ feature: FEATURE_NAMES[j] ?? `f${j}`, value, contribution });
  }
  out.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return out.slice(0, top);
}
