import { record } from '../autograd.js';
import { checkOptions, knownOptions } from '../options.js';
import type { Generator } from '../random.js';
import { alloc, type FloatArray, formatShape, Tensor } from '../tensor.js';
import { checkSameDtype } from './elementwise.js';
import type { Reference } from './references.js';
import { type OpSample, registerOp } from './registry.js';
import { sampleConstant, sampleInput } from './samples.js';

/**
 * Batch and layer normalization, each one fused op: y = gamma * (x - mean) / sqrt(var + epsilon)
 * + beta, the statistics over the batch (per feature) or over the features (per row). Variances
 * are the biased ones (divided by the count), as Keras, TF.js and the papers use; epsilon 1e-3 is
 * Keras's default for both layers.
 */

export const NORMALIZATION_EPSILON = 1e-3;

/** Per-column mean and biased variance of an [n, c] matrix, accumulated in float64 (two passes). */
export function columnMoments(
  data: FloatArray,
  n: number,
  c: number,
): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) mean[j] += data[i * c + j];
  for (let j = 0; j < c; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const d = data[i * c + j] - mean[j];
      variance[j] += d * d;
    }
  }
  for (let j = 0; j < c; j++) variance[j] /= n;
  return { mean, variance };
}

function checkEpsilon(op: string, epsilon: number): void {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw new Error(`${op}: epsilon must be a finite number > 0, got ${epsilon}`);
  }
}

/** gamma and beta: [c] vectors of x's dtype, or null (scale / center off). */
function checkAffine(op: string, x: Tensor, c: number, gamma: Tensor | null, beta: Tensor | null): void {
  for (const [what, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t === null) continue;
    if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor or null`);
    checkSameDtype(op, x, t);
    if (t.ndim !== 1 || t.shape[0] !== c) {
      throw new Error(
        `${op}: ${what} must have shape [${c}] for input ${formatShape(x.shape)}, got ${formatShape(t.shape)}`,
      );
    }
  }
}

/**
 * The affine step and its backward, shared by both ops: y = gamma * xhat + beta over rows of c
 * features, from the normalized xhat; the gradients of gamma and beta summed over rows.
 */
function affine(
  xhat: Float64Array,
  c: number,
  gamma: Tensor | null,
  beta: Tensor | null,
  out: FloatArray,
): void {
  for (let i = 0; i < xhat.length; i++) {
    const j = i % c;
    out[i] = (gamma ? gamma.data[j] : 1) * xhat[i] + (beta ? beta.data[j] : 0);
  }
}

function affineGrads(
  g: FloatArray,
  xhat: Float64Array,
  c: number,
  gamma: Tensor | null,
  beta: Tensor | null,
): { dgamma: FloatArray | null; dbeta: FloatArray | null } {
  const dgamma = gamma ? alloc(gamma.dtype, c) : null;
  const dbeta = beta ? alloc(beta.dtype, c) : null;
  for (let i = 0; i < g.length; i++) {
    const j = i % c;
    if (dgamma) dgamma[j] += g[i] * xhat[i];
    if (dbeta) dbeta[j] += g[i];
  }
  return { dgamma, dbeta };
}

export interface BatchNormOptions {
  /** Added to the variance under the square root. Default 1e-3 (Keras). */
  epsilon?: number;
  /**
   * Inference: normalize with these per-feature statistics (the moving mean and variance, [c]
   * constants) instead of the batch's. Both or neither.
   */
  mean?: Tensor;
  variance?: Tensor;
}

const BATCH_NORM_OPTIONS = knownOptions<BatchNormOptions>({ epsilon: true, mean: true, variance: true });

/**
 * Batch normalization of [n, c] rows per feature. Without `mean`/`variance` the batch's own
 * statistics are used (training) and the gradient flows through them:
 * dx = (gamma / sigma) (dy - mean(dy) - xhat mean(dy xhat)), means over the batch.
 * With them (inference) it is an affine map of x: dx = dy gamma / sigma.
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const {
    epsilon = NORMALIZATION_EPSILON,
    mean,
    variance,
  } = checkOptions('batchNorm', options, BATCH_NORM_OPTIONS);
  if (x.ndim !== 2)
    throw new Error(`batchNorm: input must be [batch, features], got ${formatShape(x.shape)}`);
  const [n, c] = x.shape;
  if (n === 0) throw new Error('batchNorm: empty batch');
  checkEpsilon('batchNorm', epsilon);
  checkAffine('batchNorm', x, c, gamma, beta);
  if ((mean === undefined) !== (variance === undefined)) {
    throw new Error('batchNorm: pass both mean and variance (inference) or neither (batch statistics)');
  }
  const training = mean === undefined;
  let mu: ArrayLike<number>;
  let vr: ArrayLike<number>;
  if (training) {
    ({ mean: mu, variance: vr } = columnMoments(x.data, n, c));
  } else {
    for (const [what, t] of [
      ['mean', mean],
      ['variance', variance],
    ] as const) {
      if (!(t instanceof Tensor) || t.ndim !== 1 || t.shape[0] !== c) {
        throw new Error(`batchNorm: ${what} must be a Tensor of shape [${c}]`);
      }
    }
    mu = (mean as Tensor).data;
    vr = (variance as Tensor).data;
  }
  const inv = Float64Array.from({ length: c }, (_, j) => 1 / Math.sqrt(vr[j] + epsilon));
  const xhat = new Float64Array(n * c);
  for (let i = 0; i < n * c; i++) xhat[i] = (x.data[i] - mu[i % c]) * inv[i % c];
  const od = alloc(x.dtype, n * c);
  affine(xhat, c, gamma, beta, od);
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return record('batchNorm', new Tensor(od, x.shape), inputs, (g) => {
    const { dgamma, dbeta } = affineGrads(g, xhat, c, gamma, beta);
    const gx = alloc(x.dtype, n * c);
    if (training) {
      // Per feature: the means over the batch of dxhat and of dxhat * xhat.
      const m1 = new Float64Array(c);
      const m2 = new Float64Array(c);
      for (let i = 0; i < n * c; i++) {
        const j = i % c;
        const d = g[i] * (gamma ? gamma.data[j] : 1);
        m1[j] += d;
        m2[j] += d * xhat[i];
      }
      for (let i = 0; i < n * c; i++) {
        const j = i % c;
        const d = g[i] * (gamma ? gamma.data[j] : 1);
        gx[i] = inv[j] * (d - m1[j] / n - (xhat[i] * m2[j]) / n);
      }
    } else {
      for (let i = 0; i < n * c; i++) gx[i] = g[i] * (gamma ? gamma.data[i % c] : 1) * inv[i % c];
    }
    return [gx, ...(gamma ? [dgamma] : []), ...(beta ? [dbeta] : [])];
  });
}

export interface LayerNormOptions {
  /** Added to the variance under the square root. Default 1e-3 (Keras). */
  epsilon?: number;
}

const LAYER_NORM_OPTIONS = knownOptions<LayerNormOptions>({ epsilon: true });

/**
 * Layer normalization over the last axis: each row is normalized by its own mean and variance,
 * then scaled and shifted per feature. dx = (1 / sigma) (dxhat - mean(dxhat) - xhat
 * mean(dxhat xhat)), means over the row, with dxhat = dy gamma.
 */
export function layerNorm(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  options: LayerNormOptions = {},
): Tensor {
  const { epsilon = NORMALIZATION_EPSILON } = checkOptions('layerNorm', options, LAYER_NORM_OPTIONS);
  if (x.ndim < 1) throw new Error('layerNorm: needs at least one axis, got a 0-d tensor');
  const c = x.shape[x.ndim - 1];
  if (c === 0) throw new Error(`layerNorm: empty last axis in ${formatShape(x.shape)}`);
  checkEpsilon('layerNorm', epsilon);
  checkAffine('layerNorm', x, c, gamma, beta);
  const rows = x.size / c;
  const xhat = new Float64Array(x.size);
  const inv = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < c; j++) m += x.data[r * c + j];
    m /= c;
    let v = 0;
    for (let j = 0; j < c; j++) v += (x.data[r * c + j] - m) ** 2;
    v /= c;
    inv[r] = 1 / Math.sqrt(v + epsilon);
    for (let j = 0; j < c; j++) xhat[r * c + j] = (x.data[r * c + j] - m) * inv[r];
  }
  const od = alloc(x.dtype, x.size);
  affine(xhat, c, gamma, beta, od);
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return record('layerNorm', new Tensor(od, x.shape), inputs, (g) => {
    const { dgamma, dbeta } = affineGrads(g, xhat, c, gamma, beta);
    const gx = alloc(x.dtype, x.size);
    for (let r = 0; r < rows; r++) {
      let m1 = 0;
      let m2 = 0;
      for (let j = 0; j < c; j++) {
        const d = g[r * c + j] * (gamma ? gamma.data[j] : 1);
        m1 += d;
        m2 += d * xhat[r * c + j];
      }
      m1 /= c;
      m2 /= c;
      for (let j = 0; j < c; j++) {
        const i = r * c + j;
        gx[i] = inv[r] * (g[i] * (gamma ? gamma.data[j] : 1) - m1 - xhat[i] * m2);
      }
    }
    return [gx, ...(gamma ? [dgamma] : []), ...(beta ? [dbeta] : [])];
  });
}

/**
 * Normalization from the definition, for the references: `groups` lists, for each group of
 * elements sharing statistics, their flat indices; the statistics are taken over the group unless
 * given. gamma / beta are indexed by the element's last-axis position.
 */
function normalizationReference(
  x: Tensor,
  groups: number[][],
  gamma: Tensor | null,
  beta: Tensor | null,
  epsilon: number,
  given?: (group: number) => { mean: number; variance: number },
): Reference {
  const c = x.shape[x.ndim - 1];
  const data = new Float64Array(x.size);
  groups.forEach((members, k) => {
    let stats = given?.(k);
    if (!stats) {
      const values = members.map((i) => x.data[i]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
      stats = { mean, variance };
    }
    for (const i of members) {
      const j = i % c;
      data[i] =
        ((gamma ? gamma.data[j] : 1) * (x.data[i] - stats.mean)) / Math.sqrt(stats.variance + epsilon) +
        (beta ? beta.data[j] : 0);
    }
  });
  return { shape: [...x.shape], data };
}

/** Flat indices of each column (batch normalization's groups) of an [n, c] tensor. */
const columns = (n: number, c: number) =>
  Array.from({ length: c }, (_, j) => Array.from({ length: n }, (_, i) => i * c + j));
/** Flat indices of each row of c elements (layer normalization's groups). */
const rowsOf = (size: number, c: number) =>
  Array.from({ length: size / c }, (_, r) => Array.from({ length: c }, (_, j) => r * c + j));

const positive = (rng: Generator, shape: number[]) => sampleInput(rng, shape, { low: 0.5, high: 2 });

registerOp({
  name: 'batchNorm',
  samples: (rng): OpSample[] => {
    const mean = sampleConstant(rng, [3], (g) => g.uniform(-1, 1));
    const variance = sampleConstant(rng, [3], (g) => g.uniform(0.5, 2));
    return [
      {
        label: '[5,3] batch statistics, gamma and beta',
        inputs: [sampleInput(rng, [5, 3]), positive(rng, [3]), sampleInput(rng, [3])],
        run: (x, gm, bt) => batchNorm(x, gm, bt),
        expected: (x, gm, bt) => normalizationReference(x, columns(5, 3), gm, bt, 1e-3),
      },
      {
        label: '[4,3] moving statistics (inference), epsilon 0.01',
        inputs: [sampleInput(rng, [4, 3]), positive(rng, [3]), sampleInput(rng, [3])],
        run: (x, gm, bt) => batchNorm(x, gm, bt, { mean, variance, epsilon: 0.01 }),
        expected: (x, gm, bt) =>
          normalizationReference(x, columns(4, 3), gm, bt, 0.01, (j) => ({
            mean: mean.data[j],
            variance: variance.data[j],
          })),
      },
      {
        label: '[6,2] batch statistics, no gamma or beta',
        inputs: [sampleInput(rng, [6, 2])],
        run: (x) => batchNorm(x, null, null),
        expected: (x) => normalizationReference(x, columns(6, 2), null, null, 1e-3),
      },
    ];
  },
});

registerOp({
  name: 'layerNorm',
  samples: (rng): OpSample[] => [
    {
      label: '[4,5] gamma and beta',
      inputs: [sampleInput(rng, [4, 5]), positive(rng, [5]), sampleInput(rng, [5])],
      run: (x, gm, bt) => layerNorm(x, gm, bt),
      expected: (x, gm, bt) => normalizationReference(x, rowsOf(20, 5), gm, bt, 1e-3),
    },
    {
      label: '[2,3,4] last axis, gamma only, epsilon 1e-5',
      inputs: [sampleInput(rng, [2, 3, 4]), positive(rng, [4])],
      run: (x, gm) => layerNorm(x, gm, null, { epsilon: 1e-5 }),
      expected: (x, gm) => normalizationReference(x, rowsOf(24, 4), gm, null, 1e-5),
    },
    {
      label: '[3,4] no gamma or beta',
      inputs: [sampleInput(rng, [3, 4])],
      run: (x) => layerNorm(x, null, null),
      expected: (x) => normalizationReference(x, rowsOf(12, 4), null, null, 1e-3),
    },
  ],
});
