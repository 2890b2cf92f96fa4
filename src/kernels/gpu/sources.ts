import type { Activation } from '../types.js';

/**
 * Kernel bodies as source text: gpu.js parses them into GLSL, WebAssembly or JS. Text rather
 * than functions so no transpiler (tsc, esbuild, a coverage tool) can rewrite what gpu.js parses.
 * Sizes arrive as `this.constants`, so each compiled kernel is specific to one shape: loops have
 * constant bounds, which GLSL needs.
 */

/** op(A)[i][p] and op(B)[p][j] for each transpose; A and B arrive as 2D inputs in storage shape. */
const readA = (transA: boolean) => (transA ? 'a[p][this.thread.y]' : 'a[this.thread.y][p]');
const readB = (transB: boolean) => (transB ? 'b[this.thread.x][p]' : 'b[p][this.thread.x]');

/** out[i][j] = alpha * sum_p op(A)[i][p] op(B)[p][j]; output [n, m] (x = column, y = row). */
export function gemmSource(transA: boolean, transB: boolean): string {
  return `function (a, b, alpha) {
  let acc = 0;
  for (let p = 0; p < this.constants.k; p++) {
    acc += ${readA(transA)} * ${readB(transB)};
  }
  return alpha * acc;
}`;
}

function activationOf(activation: Activation, v: string): string {
  switch (activation) {
    case 'linear':
      return v;
    case 'relu':
      // A comparison, not Math.max: NaN maps to 0 exactly as the TypeScript epilogue does.
      return `(${v} > 0 ? ${v} : 0)`;
    case 'sigmoid':
      return `1 / (1 + Math.exp(-${v}))`;
    case 'tanh':
      // GLSL ES 1.0 has no tanh; this form saturates to +-1 instead of overflowing to NaN.
      return `1 - 2 / (Math.exp(2 * ${v}) + 1)`;
  }
}

/** out[i][j] = act(sum_p x[i][p] w[p][j] + bias[j]); output [n, m]. */
export function denseSource(activation: Activation, hasBias: boolean): string {
  return `function (x, w${hasBias ? ', bias' : ''}) {
  let acc = 0;
  for (let p = 0; p < this.constants.k; p++) {
    acc += x[this.thread.y][p] * w[p][this.thread.x];
  }
  const v = acc${hasBias ? ' + bias[this.thread.x]' : ''};
  return ${activationOf(activation, 'v')};
}`;
}

/** out[i] = y[i] > 0 ? dy[i] : 0; output [len]. */
export const reluBackwardSource = `function (dy, y) {
  return y[this.thread.x] > 0 ? dy[this.thread.x] : 0;
}`;

/** out[i] = dy[i] * y[i] * (1 - y[i]); output [len]. */
export const sigmoidBackwardSource = `function (dy, y) {
  const v = y[this.thread.x];
  return dy[this.thread.x] * v * (1 - v);
}`;

/** out[j] = sum_i x[i][j]; output [n]. */
export const columnSumsSource = `function (x) {
  let acc = 0;
  for (let i = 0; i < this.constants.m; i++) {
    acc += x[i][this.thread.x];
  }
  return acc;
}`;

/**
 * One Adam step for a chunk of len parameters; output [3 * len] holds the new param, m and v one
 * after the other, so one launch and one readback serve all three.
 */
export const adamSource = `function (param, grad, m, v, stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon) {
  // Comparisons, not a division: float division on a GPU may round len / len below 1.
  const len = this.constants.len;
  let i = this.thread.x;
  if (i >= 2 * len) {
    i = i - 2 * len;
  } else if (i >= len) {
    i = i - len;
  }
  const g = grad[i];
  const mi = beta1 * m[i] + oneMinusBeta1 * g;
  const vi = beta2 * v[i] + oneMinusBeta2 * g * g;
  if (this.thread.x < len) {
    return param[i] - (stepSize * mi) / (Math.sqrt(vi) + epsilon);
  }
  if (this.thread.x < 2 * len) {
    return mi;
  }
  return vi;
}`;
