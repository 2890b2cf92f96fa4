/** Threshold-free metrics: how well the scores rank positives above negatives. */
import { checkInputs } from './check.js';

/**
 * The scores of positive and negative rows, each sorted as plain numbers (the engine's native
 * sort, no comparator), walked together from the highest score down: ten million rows take about
 * a second and no per-row objects.
 */
export class ScoreLevels {
  readonly positives: number;
  readonly negatives: number;
  private readonly pos: Float32Array | Float64Array;
  private readonly neg: Float32Array | Float64Array;

  constructor(name: string, yTrue: ArrayLike<number>, yProb: ArrayLike<number>) {
    checkInputs(name, yTrue, yProb);
    let positives = 0;
    for (let i = 0; i < yTrue.length; i++) positives += yTrue[i];
    this.positives = positives;
    this.negatives = yTrue.length - positives;
    // Float32 scores stay float32 (half the memory, the same order and ties).
    const make = (n: number) => (yProb instanceof Float32Array ? new Float32Array(n) : new Float64Array(n));
    this.pos = make(this.positives);
    this.neg = make(this.negatives);
    let p = 0;
    let n = 0;
    for (let i = 0; i < yTrue.length; i++) {
      if (yTrue[i] === 1) this.pos[p++] = yProb[i];
      else this.neg[n++] = yProb[i];
    }
    this.pos.sort();
    this.neg.sort();
  }

  /** Throws unless both classes occur. */
  needBoth(name: string): this {
    if (this.positives === 0 || this.negatives === 0) {
      throw new Error(
        `${name}: needs both classes, got ${this.positives} positives and ${this.negatives} negatives`,
      );
    }
    return this;
  }

  /** Calls visit(score, positives, negatives) for each distinct score, highest first. */
  forEach(visit: (score: number, positives: number, negatives: number) => void): void {
    const { pos, neg } = this;
    let i = pos.length - 1;
    let j = neg.length - 1;
    while (i >= 0 || j >= 0) {
      const s = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
      let cp = 0;
      let cn = 0;
      while (i >= 0 && pos[i] === s) {
        cp++;
        i--;
      }
      while (j >= 0 && neg[j] === s) {
        cn++;
        j--;
      }
      visit(s, cp, cn);
    }
  }
}

/**
 * ROC-AUC as the Mann-Whitney U statistic: the probability that a random positive scores above a
 * random negative, ties counting one half. It equals the trapezoidal area under the ROC curve.
 */
export function rocAuc(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  const levels = new ScoreLevels('rocAuc', yTrue, yProb).needBoth('rocAuc');
  let pairs = 0;
  let negativesAtOrAbove = 0;
  levels.forEach((_, cp, cn) => {
    negativesAtOrAbove += cn;
    // These positives beat every negative scored lower and tie with the ones scored the same.
    pairs += cp * (levels.negatives - negativesAtOrAbove) + 0.5 * cp * cn;
  });
  return pairs / (levels.positives * levels.negatives);
}

/**
 * PR-AUC as average precision (sklearn's definition): sum over thresholds, highest first, of
 * (recall gained) x (precision at that threshold). Tied scores form one threshold.
 */
export function averagePrecision(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  const levels = new ScoreLevels('averagePrecision', yTrue, yProb).needBoth('averagePrecision');
  let tp = 0;
  let seen = 0;
  let ap = 0;
  levels.forEach((_, cp, cn) => {
    tp += cp;
    seen += cp + cn;
    ap += (cp / levels.positives) * (tp / seen);
  });
  return ap;
}

/** Alias: the area under the precision-recall curve, as average precision. */
export const prAuc = averagePrecision;
