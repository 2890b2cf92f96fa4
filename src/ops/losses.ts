import { record } from '../autograd.js';
import { sigmoid as stableSigmoid } from '../kernels/js/activations.js';
import { checkOptions, knownOptions } from '../options.js';
import type { Generator } from '../random.js';
import { alloc, type FloatArray, formatShape, Tensor } from '../tensor.js';
import { checkSameDtype } from './elementwise.js';
import { meanOf, type Reference, scalarReference } from './references.js';
import { registerOp } from './registry.js';
import { sampleConstant, sampleInput } from './samples.js';

// Losses reduce to the mean over elements (Keras's default). An optional per-element `weight`
// tensor of the target's shape multiplies each term before the mean (class or sample weights);
// it is a constant, never differentiated.

export interface LossOptions {
  weight?: Tensor;
}

const LOSS_OPTIONS = knownOptions<LossOptions>({ weight: true });

/** Keras clips probabilities to [epsilon, 1 - epsilon] before taking logs. */
export const BCE_EPSILON = 1e-7;

function checkPair(op: string, pred: Tensor, target: Tensor, options: LossOptions): FloatArray | null {
  if (!(target instanceof Tensor)) throw new Error(`${op}: target must be a Tensor`);
  checkOptions(op, options, LOSS_OPTIONS);
  checkSameDtype(op, pred, target);
  if (
    pred.size !== target.size ||
    pred.ndim !== target.ndim ||
    pred.shape.some((d, i) => d !== target.shape[i])
  ) {
    throw new Error(
      `${op}: prediction and target shapes differ: ${formatShape(pred.shape)} and ${formatShape(target.shape)}`,
    );
  }
  if (pred.size === 0) throw new Error(`${op}: empty input`);
  const w = options.weight;
  if (w === undefined || w === null) return null;
  if (!(w instanceof Tensor)) throw new Error(`${op}: weight must be a Tensor of the target's shape`);
  // Same shape, not just the same size: a [4,1] weight on a [1,4] target would pair the values
  // by accident of layout, which is never what the caller meant.
  if (w.ndim !== target.ndim || w.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(
      `${op}: weight has shape ${formatShape(w.shape)} but target has ${formatShape(target.shape)}; they must be equal`,
    );
  }
  return w.data;
}

/**
 * Builds a mean-reduced loss from per-element terms: `term(p, y)` gives the loss and its partial
 * derivatives with respect to p and y, written into d[0] and d[1].
 */
function elementLoss(
  op: string,
  pred: Tensor,
  target: Tensor,
  options: LossOptions,
  term: (p: number, y: number, d: Float64Array) => number,
): Tensor {
  const w = checkPair(op, pred, target, options);
  const n = pred.size;
  const dp = alloc(pred.dtype, n);
  const dy = alloc(pred.dtype, n);
  const d = new Float64Array(2);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === null ? 1 : w[i];
    total += wi * term(pred.data[i], target.data[i], d);
    dp[i] = (wi * d[0]) / n;
    dy[i] = (wi * d[1]) / n;
  }
  const od = alloc(pred.dtype, 1);
  od[0] = total / n;
  return record(op, new Tensor(od, []), [pred, target], (g) => {
    const s = g[0];
    const gp = alloc(pred.dtype, n);
    for (let i = 0; i < n; i++) gp[i] = s * dp[i];
    const gy = target.requiresGrad ? alloc(pred.dtype, n) : null;
    if (gy) for (let i = 0; i < n; i++) gy[i] = s * dy[i];
    return [gp, gy];
  });
}

/** Mean squared error: mean((pred - target)^2). */
export function mse(pred: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return elementLoss('mse', pred, target, options, (p, y, d) => {
    const r = p - y;
    d[0] = 2 * r;
    d[1] = -2 * r;
    return r * r;
  });
}

/** Mean absolute error: mean(|pred - target|); the derivative at a zero residual is taken as 0. */
export function mae(pred: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return elementLoss('mae', pred, target, options, (p, y, d) => {
    const r = p - y;
    const s = r > 0 ? 1 : r < 0 ? -1 : 0;
    d[0] = s;
    d[1] = -s;
    return Math.abs(r);
  });
}

export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear. Default 1, as Keras. */
  delta?: number;
}

const HUBER_OPTIONS = knownOptions<HuberOptions>({ weight: true, delta: true });

/**
 * Huber loss, Keras's definition: for each residual r = pred - target, r^2 / 2 where |r| <= delta,
 * delta |r| - delta^2 / 2 beyond; the mean over elements.
 */
export function huber(pred: Tensor, target: Tensor, options: HuberOptions = {}): Tensor {
  const { delta = 1, ...rest } = checkOptions('huber', options, HUBER_OPTIONS);
  if (!(delta > 0) || !Number.isFinite(delta)) {
    throw new Error(`huber: delta must be a finite number > 0, got ${delta}`);
  }
  return elementLoss('huber', pred, target, rest, (p, y, d) => {
    const r = p - y;
    const a = Math.abs(r);
    if (a <= delta) {
      d[0] = r;
      d[1] = -r;
      return 0.5 * r * r;
    }
    const s = r > 0 ? delta : -delta;
    d[0] = s;
    d[1] = -s;
    return delta * a - 0.5 * delta * delta;
  });
}

/**
 * Binary cross-entropy on probabilities, clipped to [1e-7, 1 - 1e-7] as Keras does: outside that
 * range the loss is flat in p (zero gradient), as with Keras's clip.
 */
export function bce(prob: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return elementLoss('bce', prob, target, options, (p, y, d) => {
    const clipped = p < BCE_EPSILON || p > 1 - BCE_EPSILON;
    const q = clipped ? Math.min(Math.max(p, BCE_EPSILON), 1 - BCE_EPSILON) : p;
    const lq = Math.log(q);
    const l1q = Math.log(1 - q);
    d[0] = clipped ? 0 : -y / q + (1 - y) / (1 - q);
    d[1] = -lq + l1q;
    return -(y * lq + (1 - y) * l1q);
  });
}

/**
 * Binary cross-entropy on logits z, stable for any |z|:
 * max(z, 0) - z*y + log(1 + e^-|z|), with d/dz = sigmoid(z) - y.
 */
export function bceWithLogits(logits: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  return elementLoss('bceWithLogits', logits, target, options, (z, y, d) => {
    d[0] = stableSigmoid(z) - y;
    d[1] = -z;
    return (z > 0 ? z : 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  });
}

/**
 * Softmax cross-entropy over the last axis of [N, C] logits, averaged over the N rows. The target
 * is either class indices (N integers) or a [N, C] tensor of probabilities (one-hot or soft). An
 * optional `weight` of N values ([N] or [N, 1]) multiplies each row's term before the mean (class
 * or sample weights: sum(w_i l_i) / N, Keras's reduction).
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  target: Tensor | ArrayLike<number>,
  options: LossOptions = {},
): Tensor {
  checkOptions('softmaxCrossEntropy', options, LOSS_OPTIONS);
  if (logits.ndim !== 2)
    throw new Error(`softmaxCrossEntropy: logits must be [N, C], got ${formatShape(logits.shape)}`);
  const [n, c] = logits.shape;
  if (n === 0 || c === 0) throw new Error(`softmaxCrossEntropy: empty logits ${formatShape(logits.shape)}`);
  const y = targetProbabilities(logits, target);
  const w = rowWeights(logits, options.weight);
  const ld = logits.data;
  const logSoftmax = new Float64Array(n * c);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < c; j++) max = ld[row + j] > max ? ld[row + j] : max;
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(ld[row + j] - max);
    const lse = max + Math.log(s);
    for (let j = 0; j < c; j++) {
      logSoftmax[row + j] = ld[row + j] - lse;
      // 0 * log 0 counts as 0 (PyTorch's convention): a -Infinity logit on a class the target
      // gives no weight must not turn the loss into 0 * -Infinity = NaN.
      const yj = y.data[row + j];
      if (yj !== 0) total -= (w === null ? 1 : w[i]) * yj * logSoftmax[row + j];
    }
  }
  const od = alloc(logits.dtype, 1);
  od[0] = total / n;
  return record('softmaxCrossEntropy', new Tensor(od, []), [logits, y], (g) => {
    const s = g[0] / n;
    const gl = alloc(logits.dtype, n * c);
    for (let i = 0; i < n; i++) {
      const row = i * c;
      const si = w === null ? s : s * w[i];
      let ysum = 0;
      for (let j = 0; j < c; j++) ysum += y.data[row + j];
      // d/dz_j of -sum_k y_k log softmax_k = softmax_j * sum_k y_k - y_j.
      for (let j = 0; j < c; j++) gl[row + j] = si * (Math.exp(logSoftmax[row + j]) * ysum - y.data[row + j]);
    }
    const gy = y.requiresGrad ? alloc(logits.dtype, n * c) : null;
    if (gy)
      for (let i = 0; i < gy.length; i++)
        gy[i] = -(w === null ? s : s * w[Math.floor(i / c)]) * logSoftmax[i];
    return [gl, gy];
  });
}

/** The per-row weights of softmaxCrossEntropy: a constant [N] or [N, 1] tensor, or none. */
function rowWeights(logits: Tensor, weight: Tensor | undefined): FloatArray | null {
  if (weight === undefined || weight === null) return null;
  const n = logits.shape[0];
  if (!(weight instanceof Tensor))
    throw new Error('softmaxCrossEntropy: weight must be a Tensor of N values');
  const rows = weight.ndim === 1 || (weight.ndim === 2 && weight.shape[1] === 1);
  if (!rows || weight.shape[0] !== n) {
    throw new Error(
      `softmaxCrossEntropy: weight has shape ${formatShape(weight.shape)} but the logits have ${n} rows; pass [${n}] or [${n},1]`,
    );
  }
  return weight.data;
}

function targetProbabilities(logits: Tensor, target: Tensor | ArrayLike<number>): Tensor {
  const [n, c] = logits.shape;
  if (target instanceof Tensor) {
    checkSameDtype('softmaxCrossEntropy', logits, target);
    if (target.ndim !== 2 || target.shape[0] !== n || target.shape[1] !== c) {
      throw new Error(
        `softmaxCrossEntropy: target shape ${formatShape(target.shape)} does not match logits ${formatShape(logits.shape)}`,
      );
    }
    return target;
  }
  if (target.length !== n) {
    throw new Error(`softmaxCrossEntropy: ${target.length} class indices for ${n} rows of logits`);
  }
  const data = alloc(logits.dtype, n * c);
  for (let i = 0; i < n; i++) {
    const k = target[i];
    if (!Number.isInteger(k) || k < 0 || k >= c) {
      throw new Error(`softmaxCrossEntropy: class index ${k} at row ${i} is outside 0..${c - 1}`);
    }
    data[i * c + k] = 1;
  }
  return new Tensor(data, [n, c]);
}

/** mean over elements of w * term(prediction, target), from the definition. */
function elementwiseLoss(
  pred: Tensor,
  target: Tensor,
  weight: Tensor | null,
  term: (p: number, y: number) => number,
): Reference {
  return scalarReference(
    meanOf(pred.size, (i) => (weight ? weight.data[i] : 1) * term(pred.data[i], target.data[i])),
  );
}
const crossEntropy = (p: number, y: number) => -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
/** The logit form of cross-entropy, log(1 + e^z) - y z (written apart from the op's stable form). */
const softplusLoss = (z: number, y: number) => Math.log(1 + Math.exp(z)) - y * z;
/** -(1/n) sum over rows and classes of y log softmax(z), with softmax from its definition. */
function softmaxReference(z: Tensor, y: (i: number, j: number) => number): Reference {
  const [n, c] = z.shape;
  return scalarReference(
    meanOf(n, (i) => {
      let total = 0;
      for (let j = 0; j < c; j++) total += Math.exp(z.data[i * c + j]);
      let loss = 0;
      for (let j = 0; j < c; j++) loss -= y(i, j) * Math.log(Math.exp(z.data[i * c + j]) / total);
      return loss;
    }),
  );
}

const binary = (rng: Generator) => sampleConstant(rng, [4, 1], (g) => (g.random() < 0.5 ? 0 : 1));

registerOp({
  name: 'mse',
  samples: (rng) => {
    const weight = sampleConstant(rng, [5], (g) => g.uniform(0.5, 2));
    return [
      {
        label: '[4,3] vs [4,3]',
        inputs: [sampleInput(rng, [4, 3]), sampleInput(rng, [4, 3])],
        run: (p, y) => mse(p, y),
        expected: (p, y) => elementwiseLoss(p, y, null, (q, t) => (q - t) ** 2),
      },
      {
        label: '[5] weighted',
        inputs: [sampleInput(rng, [5]), sampleInput(rng, [5])],
        run: (p, y) => mse(p, y, { weight }),
        expected: (p, y) => elementwiseLoss(p, y, weight, (q, t) => (q - t) ** 2),
      },
    ];
  },
});
const absolute = (q: number, t: number) => Math.abs(q - t);
/** Huber from its cases, delta 1 unless given. */
const huberTerm =
  (delta = 1) =>
  (q: number, t: number) => {
    const r = Math.abs(q - t);
    return r <= delta ? (r * r) / 2 : delta * r - (delta * delta) / 2;
  };
/** Targets at least `gap` away from the sample predictions, so no residual sits on a kink. */
function targetsAwayFrom(pred: Tensor, gap: number, rng: Generator, kinks: number[] = [0]): Tensor {
  const data = Float64Array.from(pred.data, (p) => {
    for (;;) {
      const t = rng.uniform(-2, 2);
      if (kinks.every((k) => Math.abs(Math.abs(p - t) - k) > gap)) return t;
    }
  });
  return new Tensor(data, pred.shape, false);
}

registerOp({
  name: 'mae',
  samples: (rng) => {
    const p1 = sampleInput(rng, [4, 3]);
    const p2 = sampleInput(rng, [6]);
    const weight = sampleConstant(rng, [6], (g) => g.uniform(0.5, 2));
    return [
      {
        label: '[4,3] vs [4,3]',
        inputs: [p1, targetsAwayFrom(p1, 0.05, rng)],
        run: (p, y) => mae(p, y),
        expected: (p, y) => elementwiseLoss(p, y, null, absolute),
      },
      {
        label: '[6] weighted, target differentiated too',
        inputs: [p2, Object.assign(targetsAwayFrom(p2, 0.05, rng), { requiresGrad: true })],
        run: (p, y) => mae(p, y, { weight }),
        expected: (p, y) => elementwiseLoss(p, y, weight, absolute),
      },
    ];
  },
});
registerOp({
  name: 'huber',
  samples: (rng) => {
    const p1 = sampleInput(rng, [4, 3]);
    const p2 = sampleInput(rng, [6], { low: -3, high: 3 });
    const weight = sampleConstant(rng, [6], (g) => g.uniform(0.5, 2));
    return [
      {
        label: '[4,3] delta 1 (both branches)',
        inputs: [p1, targetsAwayFrom(p1, 0.05, rng, [0, 1])],
        run: (p, y) => huber(p, y),
        expected: (p, y) => elementwiseLoss(p, y, null, huberTerm()),
      },
      {
        label: '[6] delta 0.5, weighted',
        inputs: [p2, targetsAwayFrom(p2, 0.05, rng, [0, 0.5])],
        run: (p, y) => huber(p, y, { delta: 0.5, weight }),
        expected: (p, y) => elementwiseLoss(p, y, weight, huberTerm(0.5)),
      },
    ];
  },
});
registerOp({
  name: 'bce',
  samples: (rng) => {
    const weight = sampleConstant(rng, [4, 1], (g) => g.uniform(0.5, 3));
    return [
      {
        label: '[4,1] probabilities vs 0/1 labels',
        inputs: [sampleInput(rng, [4, 1], { low: 0.05, high: 0.95 }), binary(rng)],
        run: (p, y) => bce(p, y),
        expected: (p, y) => elementwiseLoss(p, y, null, crossEntropy),
      },
      {
        label: '[4,1] vs soft labels (target differentiated too)',
        inputs: [
          sampleInput(rng, [4, 1], { low: 0.05, high: 0.95 }),
          sampleInput(rng, [4, 1], { low: 0, high: 1 }),
        ],
        run: (p, y) => bce(p, y),
        expected: (p, y) => elementwiseLoss(p, y, null, crossEntropy),
      },
      {
        label: '[4,1] weighted',
        inputs: [sampleInput(rng, [4, 1], { low: 0.05, high: 0.95 }), binary(rng)],
        run: (p, y) => bce(p, y, { weight }),
        expected: (p, y) => elementwiseLoss(p, y, weight, crossEntropy),
      },
    ];
  },
});
registerOp({
  name: 'bceWithLogits',
  samples: (rng) => [
    {
      label: '[4,1] logits vs 0/1 labels',
      inputs: [sampleInput(rng, [4, 1], { low: -4, high: 4 }), binary(rng)],
      run: (z, y) => bceWithLogits(z, y),
      expected: (z, y) => elementwiseLoss(z, y, null, softplusLoss),
    },
    {
      label: '[6] large logits vs soft labels',
      inputs: [sampleInput(rng, [6], { low: -30, high: 30 }), sampleInput(rng, [6], { low: 0, high: 1 })],
      run: (z, y) => bceWithLogits(z, y),
      expected: (z, y) => elementwiseLoss(z, y, null, softplusLoss),
    },
  ],
});
const rowWeight = new Tensor(Float64Array.of(0.5, 2, 1, 1.5, 3), [5, 1]);
registerOp({
  name: 'softmaxCrossEntropy',
  samples: (rng) => [
    {
      label: '[4,3] logits, class indices',
      inputs: [sampleInput(rng, [4, 3], { low: -3, high: 3 })],
      run: (z) => softmaxCrossEntropy(z, [0, 2, 1, 2]),
      expected: (z) => softmaxReference(z, (i, j) => ([0, 2, 1, 2][i] === j ? 1 : 0)),
    },
    {
      label: '[5,3] logits, class indices, row weights',
      inputs: [sampleInput(rng, [5, 3], { low: -3, high: 3 })],
      run: (z) => softmaxCrossEntropy(z, [2, 0, 1, 1, 0], { weight: rowWeight }),
      expected: (z) =>
        scalarReference(
          meanOf(5, (i) => {
            let total = 0;
            for (let j = 0; j < 3; j++) total += Math.exp(z.data[i * 3 + j]);
            return -rowWeight.data[i] * Math.log(Math.exp(z.data[i * 3 + [2, 0, 1, 1, 0][i]]) / total);
          }),
        ),
    },
    {
      label: '[3,5] logits, soft targets (differentiated)',
      inputs: [sampleInput(rng, [3, 5], { low: -3, high: 3 }), sampleInput(rng, [3, 5], { low: 0, high: 1 })],
      run: (z, y) => softmaxCrossEntropy(z, y),
      expected: (z, y) => softmaxReference(z, (i, j) => y.data[i * 5 + j]),
    },
  ],
});
