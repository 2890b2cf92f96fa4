/** Threshold-free metrics: how well the scores rank positives above negatives. */
import { checkInputs } from './check.js';

function classCounts(name: string, yTrue: ArrayLike<number>): { pos: number; neg: number } {
  let pos = 0;
  for (let i = 0; i < yTrue.length; i++) pos += yTrue[i];
  const neg = yTrue.length - pos;
  if (pos === 0 || neg === 0) {
    throw new Error(`${name}: needs both classes, got ${pos} positives and ${neg} negatives`);
  }
  return { pos, neg };
}

/** Row indices ordered by descending score. */
function byScoreDescending(yProb: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: yProb.length }, (_, i) => i);
  return order.sort((a, b) => yProb[b] - yProb[a]);
}

/**
 * ROC-AUC as the Mann-Whitney U statistic: the probability that a random positive scores above a
 * random negative, ties counting one half. Computed from ranks (tied scores share their average
 * rank), so it equals the trapezoidal area under the ROC curve.
 */
export function rocAuc(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  checkInputs('rocAuc', yTrue, yProb);
  const { pos, neg } = classCounts('rocAuc', yTrue);
  const order = byScoreDescending(yProb);
  // Ranks ascending (1 = lowest); walking descending, the group at [i, j) has ranks n-j+1 .. n-i.
  const n = order.length;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && yProb[order[j]] === yProb[order[i]]) j++;
    const averageRank = (n - j + 1 + (n - i)) / 2;
    for (let k = i; k < j; k++) if (yTrue[order[k]] === 1) rankSumPos += averageRank;
    i = j;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * PR-AUC as average precision (sklearn's definition): sum over thresholds, highest first, of
 * (recall gained) x (precision at that threshold). Tied scores form one threshold.
 */
export function averagePrecision(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  checkInputs('averagePrecision', yTrue, yProb);
  const { pos } = classCounts('averagePrecision', yTrue);
  const order = byScoreDescending(yProb);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    let gained = 0;
    while (j < order.length && yProb[order[j]] === yProb[order[i]]) {
      gained += yTrue[order[j]];
      j++;
    }
    tp += gained;
    seen = j;
    ap += (gained / pos) * (tp / seen);
    i = j;
  }
  return ap;
}

/** Alias: the area under the precision-recall curve, as average precision. */
export const prAuc = averagePrecision;
