import { checkInputs } from './check.js';

/**
 * Mean binary cross-entropy. Probabilities are clamped to [eps, 1 - eps] (eps 1e-7, Keras'
 * epsilon) so a confident wrong answer costs a large finite amount, not Infinity.
 */
export function logLoss(yTrue: ArrayLike<number>, yProb: ArrayLike<number>, eps = 1e-7): number {
  checkInputs('logLoss', yTrue, yProb);
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(Math.max(yProb[i], eps), 1 - eps);
    sum -= yTrue[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / yTrue.length;
}
