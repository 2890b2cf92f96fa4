import { backward, isGradEnabled, noGrad } from './autograd.js';
import { withProvider } from './kernels/registry.js';
import { checkOptions, knownOptions } from './options.js';
import { Generator } from './random.js';
import { formatShape, type Shape, Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Step of the central differences. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random upstream gradients. */
  seed?: number;
  /** Names the function in failure messages. */
  label?: string;
  /** Throw a GradcheckError on failure (default) or only report it in the result. */
  raise?: boolean;
}

const GRADCHECK_OPTIONS = knownOptions<GradcheckOptions>({
  eps: true,
  atol: true,
  rtol: true,
  seed: true,
  label: true,
  raise: true,
});

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic - numeric| over every Jacobian entry. */
  maxAbsError: number;
  /** Largest |analytic - numeric| / max(|numeric|, atol). */
  maxRelError: number;
  failures: string[];
}

export class GradcheckError extends Error {
  constructor(
    message: string,
    readonly result: GradcheckResult,
  ) {
    super(message);
    this.name = 'GradcheckError';
  }
}

function unravel(i: number, shape: Shape): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return `[${idx.join(',')}]`;
}

function freshLeaves(inputs: Tensor[]): Tensor[] {
  return inputs.map((t) => new Tensor(t.data.slice(), t.shape, t.requiresGrad));
}

/** Gradients of every differentiated input for one upstream gradient (zeros where none flowed). */
function vjp({ fn, inputs, wrt }: Subject, upstream: Float64Array): Float64Array[] {
  const leaves = freshLeaves(inputs);
  const out = fn(...leaves);
  if (out.requiresGrad) backward(out, upstream);
  return wrt.map((i) => {
    const g = leaves[i].grad;
    if (g === null) return new Float64Array(inputs[i].size);
    if (g.shape.length !== inputs[i].ndim || g.shape.some((d, j) => d !== inputs[i].shape[j])) {
      throw new Error(
        `gradient of input ${i} has shape ${formatShape(g.shape)}, not ${formatShape(inputs[i].shape)}`,
      );
    }
    return Float64Array.from(g.data);
  });
}

/** The function under check, its inputs and which of them are differentiated. */
interface Subject {
  fn: (...inputs: Tensor[]) => Tensor;
  inputs: Tensor[];
  /** Positions of the inputs with requiresGrad. */
  wrt: number[];
  label: string;
}

/**
 * Checks the backward formulas of `fn` against central differences, in float64 on the TypeScript
 * kernels: the whole Jacobian (one backward per output element against one pair of evaluations per
 * input element), a random vector-Jacobian product, zero gradients for a zero upstream gradient,
 * identical results when run twice, and gradient shapes. Inputs with requiresGrad are checked.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const {
    eps = 1e-6,
    atol = 1e-5,
    rtol = 1e-3,
    seed = 0,
    label = 'function',
    raise = true,
  } = checkOptions('gradcheck', options, GRADCHECK_OPTIONS);
  const subject: Subject = { fn, inputs, wrt: checkInputs(inputs), label };
  return withProvider('js', () => {
    const result: GradcheckResult = { ok: true, maxAbsError: 0, maxRelError: 0, failures: [] };
    const fail = (msg: string) => {
      result.ok = false;
      result.failures.push(msg);
    };
    const numeric = numericJacobian(subject, eps);
    compareJacobian(subject, numeric, atol, rtol, result, fail);
    const v = randomUpstream(numeric.outSize, seed);
    const got = checkRandomVjp(subject, numeric, v, atol, rtol, fail);
    checkZeroUpstream(subject, numeric.outSize, fail);
    checkDeterminism(subject, v, got, fail);
    if (!result.ok && raise) {
      throw new GradcheckError(`gradcheck failed for ${label}: ${result.failures.join('; ')}`, result);
    }
    return result;
  });
}

/** Float64 tensors, at least one with requiresGrad, outside noGrad; the differentiated positions. */
function checkInputs(inputs: Tensor[]): number[] {
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`gradcheck: input ${i} is not a Tensor`);
    if (t.dtype !== 'float64') {
      throw new Error(
        `gradcheck: input ${i} is ${t.dtype}; gradcheck needs float64 inputs (use .to('float64'))`,
      );
    }
  });
  const wrt = inputs.flatMap((t, i) => (t.requiresGrad ? [i] : []));
  if (wrt.length === 0) throw new Error('gradcheck: no input has requiresGrad, so there is nothing to check');
  if (!isGradEnabled()) throw new Error('gradcheck: called inside noGrad');
  return wrt;
}

/** fn's output values for the given inputs, without recording a graph. */
function evaluate({ fn, label }: Subject, xs: Tensor[]): Float64Array {
  const out = noGrad(() => fn(...xs));
  if (!(out instanceof Tensor)) throw new Error(`gradcheck: ${label} did not return a Tensor`);
  if (out.dtype !== 'float64') throw new Error(`gradcheck: ${label} returned ${out.dtype}, not float64`);
  return Float64Array.from(out.data);
}

interface NumericJacobian {
  outSize: number;
  /** cols[w][e][o]: d output o / d element e of differentiated input w. */
  cols: Float64Array[][];
}

/** One column per input element: (f(x + eps) - f(x - eps)) / 2 eps. */
function numericJacobian(subject: Subject, eps: number): NumericJacobian {
  const { inputs, wrt } = subject;
  const outSize = evaluate(subject, freshLeaves(inputs)).length;
  const cols = wrt.map((i) => {
    const columns: Float64Array[] = [];
    for (let e = 0; e < inputs[i].size; e++) {
      const xs = freshLeaves(inputs);
      const x0 = xs[i].data[e];
      xs[i].data[e] = x0 + eps;
      const plus = evaluate(subject, xs);
      xs[i].data[e] = x0 - eps;
      const minus = evaluate(subject, xs);
      const col = new Float64Array(outSize);
      for (let o = 0; o < outSize; o++) col[o] = (plus[o] - minus[o]) / (2 * eps);
      columns.push(col);
    }
    return columns;
  });
  return { outSize, cols };
}

/**
 * The analytic Jacobian, one row per output element through backward with a unit upstream
 * gradient, against the numeric one; records the largest errors and reports the worst entry.
 */
function compareJacobian(
  subject: Subject,
  numeric: NumericJacobian,
  atol: number,
  rtol: number,
  result: GradcheckResult,
  fail: (msg: string) => void,
): void {
  const { inputs, wrt } = subject;
  let worst = { ratio: -1, msg: '' };
  for (let o = 0; o < numeric.outSize; o++) {
    const unit = new Float64Array(numeric.outSize);
    unit[o] = 1;
    const rows = vjp(subject, unit);
    wrt.forEach((i, w) => {
      for (let e = 0; e < inputs[i].size; e++) {
        const a = rows[w][e];
        const n = numeric.cols[w][e][o];
        const diff = Math.abs(a - n);
        const allowed = atol + rtol * Math.abs(n);
        result.maxAbsError = Math.max(result.maxAbsError, diff);
        result.maxRelError = Math.max(result.maxRelError, diff / Math.max(Math.abs(n), atol));
        const ratio = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff / allowed;
        if (ratio > worst.ratio) {
          worst = {
            ratio,
            msg:
              `input ${i} (shape ${formatShape(inputs[i].shape)}) element ${unravel(e, inputs[i].shape)}, ` +
              `output element ${o}: analytic ${a}, numeric ${n} (|diff| ${diff.toExponential(3)}, allowed ${allowed.toExponential(3)})`,
          };
        }
      }
    });
  }
  if (worst.ratio > 1) fail(`Jacobian mismatch at ${worst.msg}`);
}

/** A random upstream gradient (not all ones): catches a backward that ignores it. */
function randomUpstream(outSize: number, seed: number): Float64Array {
  const rng = new Generator(seed);
  const v = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) v[o] = rng.normal();
  return v;
}

/** backward with upstream v against the numeric vector-Jacobian product; returns the gradients. */
function checkRandomVjp(
  subject: Subject,
  numeric: NumericJacobian,
  v: Float64Array,
  atol: number,
  rtol: number,
  fail: (msg: string) => void,
): Float64Array[] {
  const { inputs, wrt } = subject;
  const got = vjp(subject, v);
  wrt.forEach((i, w) => {
    for (let e = 0; e < inputs[i].size; e++) {
      let expect = 0;
      for (let o = 0; o < numeric.outSize; o++) expect += numeric.cols[w][e][o] * v[o];
      const diff = Math.abs(got[w][e] - expect);
      if (!(diff <= atol * Math.sqrt(numeric.outSize) + rtol * Math.abs(expect))) {
        fail(
          `random upstream gradient: input ${i} element ${unravel(e, inputs[i].shape)}: analytic ${got[w][e]}, numeric ${expect}`,
        );
        return;
      }
    }
  });
  return got;
}

/** A zero upstream gradient must give exactly zero gradients. */
function checkZeroUpstream(subject: Subject, outSize: number, fail: (msg: string) => void): void {
  const zero = vjp(subject, new Float64Array(outSize));
  subject.wrt.forEach((i, w) => {
    const k = zero[w].findIndex((g) => g !== 0);
    if (k !== -1) {
      fail(
        `zero upstream gradient gave ${zero[w][k]} for input ${i} element ${unravel(k, subject.inputs[i].shape)}`,
      );
    }
  });
}

/** backward run again with the same upstream gradient must give the same gradients, bit for bit. */
function checkDeterminism(
  subject: Subject,
  v: Float64Array,
  got: Float64Array[],
  fail: (msg: string) => void,
): void {
  const again = vjp(subject, v);
  subject.wrt.forEach((i, w) => {
    const k = again[w].findIndex((g, e) => !Object.is(g, got[w][e]));
    if (k !== -1) {
      fail(`backward is not deterministic: input ${i} element ${k} was ${got[w][k]}, then ${again[w][k]}`);
    }
  });
}
