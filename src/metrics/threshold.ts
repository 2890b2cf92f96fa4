/**
 * Choosing the decision threshold. With 15 % positives, 0.5 is rarely the best cut; pick it on
 * VALIDATION rows (never test rows) and then report test metrics at that threshold.
 */
import { accuracyOf, type ConfusionMatrix, f1Of } from './confusion.js';
import { ScoreLevels } from './ranking.js';

export type ThresholdMetric = 'f1' | 'accuracy';

export interface BestThreshold {
  threshold: number;
  /** The metric's value at that threshold. */
  value: number;
}

const SCORES: Record<ThresholdMetric, (m: ConfusionMatrix) => number> = { f1: f1Of, accuracy: accuracyOf };

/**
 * The threshold among the given probabilities that maximizes the metric, with rows predicted
 * positive when yProb >= threshold. All candidates are scored in one sweep over the sorted scores (O(n log n)).
 * Ties go to the highest threshold (the fewest positive predictions).
 */
export function bestThreshold(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  metric: ThresholdMetric = 'f1',
): BestThreshold {
  const score = SCORES[metric];
  if (!score) throw new Error(`bestThreshold: unknown metric '${metric}', expected 'f1' or 'accuracy'`);
  const levels = new ScoreLevels('bestThreshold', yTrue, yProb);
  const { positives, negatives } = levels;
  let tp = 0;
  let fp = 0;
  let best: BestThreshold | null = null;
  levels.forEach((t, cp, cn) => {
    tp += cp;
    fp += cn;
    const value = score({ tp, fp, fn: positives - tp, tn: negatives - fp });
    if (best === null || value > best.value) best = { threshold: t, value };
  });
  return best!;
}
