import { record } from '../autograd.js';
import {
  columnSums,
  denseForward,
  gemm,
  gruBackward,
  gruForward,
  lstmBackward,
  lstmForward,
  rnnBackward,
  rnnForward,
} from '../kernels/registry.js';
import {
  ACTIVATIONS,
  type Activation,
  RECURRENT_ACTIVATIONS,
  type RecurrentActivation,
} from '../kernels/types.js';
import { checkOptions, knownOptions } from '../options.js';
import type { Generator } from '../random.js';
import { alloc, type FloatArray, formatShape, Tensor } from '../tensor.js';
import {
  type GateActivation,
  gruReference,
  lstmReference,
  type SequenceSettings,
  simpleRnnReference,
} from './references-sequence.js';
import { type OpSample, registerOp } from './registry.js';
import { sampleInput } from './samples.js';

/**
 * Recurrent layers as ops over a whole sequence: x [batch, steps, features] in, the last output
 * [batch, units] (or every step's, [batch, steps, units]) out. Keras's equations and weight
 * layouts (kernel [features, gates * units], recurrent kernel [units, gates * units], gates in
 * Keras's order), so weights compare one for one with tfjs-layers and Keras.
 *
 * Forward: the input projections of all steps in one product (x W + b), then the recurrent loop
 * in one kernel. Backward: backpropagation through time in one kernel, then the input side's
 * gradients in two products. A mask [batch, steps] (0 = padding) skips steps: the state is carried
 * over, so padding, wherever it is, never changes a result.
 */

export interface RecurrentOptions {
  /** [batch, steps]: 0 skips the step (padding), anything else runs it. */
  mask?: Tensor | null;
  /** The state before the first step, [batch, units]; zeros when absent. Differentiated. */
  initialState?: Tensor | null;
  /** Every step's output [batch, steps, units], not only the last [batch, units]. Default false. */
  returnSequences?: boolean;
  /** The cell's activation. Default 'tanh'. */
  activation?: Activation;
}

export interface GruOptions extends RecurrentOptions {
  /** Keras 2's default true: r multiplies h_prev U_h + b_h; bias is then [2, 3 units]. */
  resetAfter?: boolean;
  /** The gates' activation. Default 'sigmoid'. */
  recurrentActivation?: RecurrentActivation;
}

export interface LstmOptions extends RecurrentOptions {
  recurrentActivation?: RecurrentActivation;
  /** The cell state before the first step, [batch, units]; zeros when absent. Differentiated. */
  initialCellState?: Tensor | null;
}

const COMMON = { mask: true, initialState: true, returnSequences: true, activation: true } as const;
const RNN_OPTIONS = knownOptions<RecurrentOptions>(COMMON);
const GRU_OPTIONS = knownOptions<GruOptions>({ ...COMMON, resetAfter: true, recurrentActivation: true });
const LSTM_OPTIONS = knownOptions<LstmOptions>({
  ...COMMON,
  recurrentActivation: true,
  initialCellState: true,
});

/** A recurrent op's checked operands. */
interface Operands {
  x: Tensor;
  batch: number;
  steps: number;
  features: number;
  units: number;
  gates: number;
  /** The mask as an array of x's dtype, or null. */
  mask: FloatArray | null;
  activation: Activation;
}

function checkOperands(
  op: string,
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  gates: number,
  options: RecurrentOptions,
): Operands {
  for (const [what, t] of [
    ['x', x],
    ['kernel', kernel],
    ['recurrentKernel', recurrentKernel],
  ] as const) {
    if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor`);
    if (t.dtype !== x.dtype) throw new Error(`${op}: ${what} is ${t.dtype} but x is ${x.dtype}`);
  }
  if (x.ndim !== 3) {
    throw new Error(`${op}: x must be [batch, steps, features], got ${formatShape(x.shape)}`);
  }
  const [batch, steps, features] = x.shape;
  if (steps === 0) throw new Error(`${op}: x has no time steps (${formatShape(x.shape)})`);
  if (recurrentKernel.ndim !== 2 || recurrentKernel.shape[1] !== gates * recurrentKernel.shape[0]) {
    throw new Error(
      `${op}: recurrentKernel must be [units, ${gates} * units], got ${formatShape(recurrentKernel.shape)}`,
    );
  }
  const units = recurrentKernel.shape[0];
  if (kernel.ndim !== 2 || kernel.shape[0] !== features || kernel.shape[1] !== gates * units) {
    throw new Error(
      `${op}: kernel must be [${features}, ${gates * units}] (features, ${gates} * units) for x ${formatShape(x.shape)} and recurrentKernel ${formatShape(recurrentKernel.shape)}, got ${formatShape(kernel.shape)}`,
    );
  }
  const activation = options.activation ?? 'tanh';
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new Error(`${op}: unknown activation '${activation}'; use one of ${ACTIVATIONS.join(', ')}`);
  }
  return { x, batch, steps, features, units, gates, mask: maskArray(op, options.mask, x), activation };
}

/** The mask as an array of x's dtype ([batch, steps] checked), or null. */
export function maskArray(op: string, mask: Tensor | null | undefined, x: Tensor): FloatArray | null {
  if (mask === undefined || mask === null) return null;
  if (!(mask instanceof Tensor)) throw new Error(`${op}: mask must be a Tensor of shape [batch, steps]`);
  const [batch, steps] = x.shape;
  if (mask.ndim !== 2 || mask.shape[0] !== batch || mask.shape[1] !== steps) {
    throw new Error(
      `${op}: mask has shape ${formatShape(mask.shape)} but x ${formatShape(x.shape)} needs [${batch}, ${steps}]`,
    );
  }
  if (mask.dtype === x.dtype) return mask.data;
  const m = alloc(x.dtype, mask.size);
  m.set(mask.data);
  return m;
}

function checkState(op: string, what: string, s: Tensor | null | undefined, o: Operands): Tensor | null {
  if (s === undefined || s === null) return null;
  if (!(s instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor of shape [batch, units]`);
  if (s.ndim !== 2 || s.shape[0] !== o.batch || s.shape[1] !== o.units || s.dtype !== o.x.dtype) {
    throw new Error(
      `${op}: ${what} must be a ${o.x.dtype} [${o.batch}, ${o.units}] (batch, units), got ${s.dtype} ${formatShape(s.shape)}`,
    );
  }
  return s;
}

function checkBias(op: string, bias: Tensor | null, o: Operands, shape: number[]): Tensor | null {
  if (bias === null || bias === undefined) return null;
  if (!(bias instanceof Tensor)) throw new Error(`${op}: bias must be a Tensor or null`);
  if (bias.ndim !== shape.length || bias.shape.some((d, i) => d !== shape[i]) || bias.dtype !== o.x.dtype) {
    throw new Error(
      `${op}: bias must be a ${o.x.dtype} ${formatShape(shape)} for ${o.units} units, got ${bias.dtype} ${formatShape(bias.shape)}`,
    );
  }
  return bias;
}

function checkGateActivation(op: string, name: RecurrentActivation | undefined): RecurrentActivation {
  const a = name ?? 'sigmoid';
  if (!(RECURRENT_ACTIVATIONS as readonly string[]).includes(a)) {
    throw new Error(
      `${op}: unknown recurrentActivation '${a}'; use one of ${RECURRENT_ACTIVATIONS.join(', ')}`,
    );
  }
  return a;
}

/** x W + b for every step: [batch * steps, gates * units]. */
function inputProjections(o: Operands, kernel: Tensor, inputBias: FloatArray | null): FloatArray {
  const rows = o.batch * o.steps;
  const width = o.gates * o.units;
  const xp = alloc(o.x.dtype, rows * width);
  // The product and the bias in one kernel call (the dense forward's epilogue adds the bias).
  denseForward(rows, width, o.features, o.x.data, kernel.data, inputBias, 'linear', xp);
  return xp;
}

/** The op's output from every step's states: all of them, or the last step's. */
function outputOf(o: Operands, hs: FloatArray, returnSequences: boolean): Tensor {
  const { batch: B, steps: T, units: H } = o;
  if (returnSequences) return new Tensor(hs, [B, T, H]);
  const last = alloc(o.x.dtype, B * H);
  for (let b = 0; b < B; b++) last.set(hs.subarray(((b + 1) * T - 1) * H, (b + 1) * T * H), b * H);
  return new Tensor(last, [B, H]);
}

/** The gradient of every step's output, from the op's upstream gradient. */
function stepGradients(o: Operands, g: FloatArray, returnSequences: boolean): FloatArray {
  if (returnSequences) return g;
  const { batch: B, steps: T, units: H } = o;
  const dhs = alloc(o.x.dtype, B * T * H);
  for (let b = 0; b < B; b++) dhs.set(g.subarray(b * H, (b + 1) * H), ((b + 1) * T - 1) * H);
  return dhs;
}

/** The input side's gradients from dxp: dx = dxp W^T, dW = x^T dxp, db_in = column sums of dxp. */
function inputGradients(
  o: Operands,
  kernel: Tensor,
  dxp: FloatArray,
  wantBias: boolean,
): { gx: FloatArray | null; gw: FloatArray | null; gb: FloatArray | null } {
  const rows = o.batch * o.steps;
  const width = o.gates * o.units;
  let gx: FloatArray | null = null;
  let gw: FloatArray | null = null;
  let gb: FloatArray | null = null;
  if (o.x.requiresGrad) {
    gx = alloc(o.x.dtype, o.x.size);
    gemm(false, true, rows, o.features, width, 1, dxp, kernel.data, 0, gx);
  }
  if (kernel.requiresGrad) {
    gw = alloc(o.x.dtype, kernel.size);
    gemm(true, false, o.features, width, rows, 1, o.x.data, dxp, 0, gw);
  }
  if (wantBias) {
    gb = alloc(o.x.dtype, width);
    columnSums(rows, width, dxp, gb);
  }
  return { gx, gw, gb };
}

/** The inputs a recurrent op records, and a way to return gradients in their order. */
function recorded(parts: Array<Tensor | null>): {
  inputs: Tensor[];
  order: (gs: Array<FloatArray | null>) => Array<FloatArray | null>;
} {
  const present = parts.map((p, i) => (p === null ? -1 : i)).filter((i) => i >= 0);
  return {
    inputs: present.map((i) => parts[i] as Tensor),
    order: (gs) => present.map((i) => gs[i]),
  };
}

/**
 * Keras's SimpleRNN over a sequence: h_t = act(x_t W + h_(t-1) U + b). x [batch, steps, features],
 * kernel [features, units], recurrentKernel [units, units], bias [units] or null.
 */
export function simpleRnn(
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  options: RecurrentOptions = {},
): Tensor {
  checkOptions('simpleRnn', options, RNN_OPTIONS);
  const o = checkOperands('simpleRnn', x, kernel, recurrentKernel, 1, options);
  const b = checkBias('simpleRnn', bias, o, [o.units]);
  const h0 = checkState('simpleRnn', 'initialState', options.initialState, o);
  const seqs = options.returnSequences ?? false;
  const xp = inputProjections(o, kernel, b?.data ?? null);
  const hs = alloc(x.dtype, o.batch * o.steps * o.units);
  rnnForward(o.batch, o.steps, o.units, o.activation, xp, recurrentKernel.data, o.mask, h0?.data ?? null, hs);
  const { inputs, order } = recorded([x, kernel, recurrentKernel, b, h0]);
  return record('simpleRnn', outputOf(o, hs, seqs), inputs, (g) => {
    const dxp = alloc(x.dtype, xp.length);
    const du = alloc(x.dtype, recurrentKernel.size);
    const dh0 = h0?.requiresGrad ? alloc(x.dtype, h0.size) : null;
    const dhs = stepGradients(o, g, seqs);
    rnnBackward(
      o.batch,
      o.steps,
      o.units,
      o.activation,
      recurrentKernel.data,
      o.mask,
      h0?.data ?? null,
      hs,
      dhs,
      dxp,
      du,
      dh0,
    );
    const { gx, gw, gb } = inputGradients(o, kernel, dxp, b !== null);
    return order([gx, gw, du, gb, dh0]);
  });
}

/**
 * Keras's GRU over a sequence (gates z, r, h). With resetAfter (the default, Keras 2's), bias is
 * [2, 3 units]: the input bias, then the recurrent bias that r scales with h_prev U_h; without, bias
 * is [3 units] and r scales h_prev before U_h (Keras 1's and TF.js's GRU).
 */
export function gru(
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  options: GruOptions = {},
): Tensor {
  checkOptions('gru', options, GRU_OPTIONS);
  const o = checkOperands('gru', x, kernel, recurrentKernel, 3, options);
  const resetAfter = options.resetAfter ?? true;
  const rec = checkGateActivation('gru', options.recurrentActivation);
  const b = checkBias('gru', bias, o, resetAfter ? [2, 3 * o.units] : [3 * o.units]);
  const h0 = checkState('gru', 'initialState', options.initialState, o);
  const seqs = options.returnSequences ?? false;
  const G = 3 * o.units;
  const xp = inputProjections(o, kernel, b === null ? null : b.data.subarray(0, G));
  const ub = b !== null && resetAfter ? b.data.subarray(G, 2 * G) : null;
  const n = o.batch * o.steps * o.units;
  const hs = alloc(x.dtype, n);
  const cache = alloc(x.dtype, 4 * n);
  gruForward(
    o.batch,
    o.steps,
    o.units,
    resetAfter,
    rec,
    o.activation,
    xp,
    recurrentKernel.data,
    ub,
    o.mask,
    h0?.data ?? null,
    hs,
    cache,
  );
  const { inputs, order } = recorded([x, kernel, recurrentKernel, b, h0]);
  return record('gru', outputOf(o, hs, seqs), inputs, (g) => {
    const dxp = alloc(x.dtype, xp.length);
    const du = alloc(x.dtype, recurrentKernel.size);
    const dub = ub === null ? null : alloc(x.dtype, G);
    const dh0 = h0?.requiresGrad ? alloc(x.dtype, h0.size) : null;
    const dhs = stepGradients(o, g, seqs);
    gruBackward(
      o.batch,
      o.steps,
      o.units,
      resetAfter,
      rec,
      o.activation,
      recurrentKernel.data,
      o.mask,
      h0?.data ?? null,
      hs,
      cache,
      dhs,
      dxp,
      du,
      dub,
      dh0,
    );
    const { gx, gw, gb } = inputGradients(o, kernel, dxp, b !== null);
    let gbias = gb;
    if (gb !== null && dub !== null) {
      gbias = alloc(x.dtype, 2 * G);
      gbias.set(gb);
      gbias.set(dub, G);
    }
    return order([gx, gw, du, gbias, dh0]);
  });
}

/**
 * Keras's LSTM over a sequence (gates i, f, c, o): c = f c_prev + i act(.), h = o act(c). bias
 * [4 units] or null. The layer's unitForgetBias is an initialization (the f block of the bias
 * starts at 1), not part of the op.
 */
export function lstm(
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  options: LstmOptions = {},
): Tensor {
  checkOptions('lstm', options, LSTM_OPTIONS);
  const o = checkOperands('lstm', x, kernel, recurrentKernel, 4, options);
  const rec = checkGateActivation('lstm', options.recurrentActivation);
  const b = checkBias('lstm', bias, o, [4 * o.units]);
  const h0 = checkState('lstm', 'initialState', options.initialState, o);
  const c0 = checkState('lstm', 'initialCellState', options.initialCellState, o);
  const seqs = options.returnSequences ?? false;
  const xp = inputProjections(o, kernel, b?.data ?? null);
  const n = o.batch * o.steps * o.units;
  const hs = alloc(x.dtype, n);
  const cs = alloc(x.dtype, n);
  const cache = alloc(x.dtype, 4 * n);
  lstmForward(
    o.batch,
    o.steps,
    o.units,
    rec,
    o.activation,
    xp,
    recurrentKernel.data,
    o.mask,
    h0?.data ?? null,
    c0?.data ?? null,
    hs,
    cs,
    cache,
  );
  const { inputs, order } = recorded([x, kernel, recurrentKernel, b, h0, c0]);
  return record('lstm', outputOf(o, hs, seqs), inputs, (g) => {
    const dxp = alloc(x.dtype, xp.length);
    const du = alloc(x.dtype, recurrentKernel.size);
    const dh0 = h0?.requiresGrad ? alloc(x.dtype, h0.size) : null;
    const dc0 = c0?.requiresGrad ? alloc(x.dtype, c0.size) : null;
    const dhs = stepGradients(o, g, seqs);
    lstmBackward(
      o.batch,
      o.steps,
      o.units,
      rec,
      o.activation,
      recurrentKernel.data,
      o.mask,
      h0?.data ?? null,
      c0?.data ?? null,
      hs,
      cs,
      cache,
      dhs,
      dxp,
      du,
      dh0,
      dc0,
    );
    const { gx, gw, gb } = inputGradients(o, kernel, dxp, b !== null);
    return order([gx, gw, du, gb, dh0, dc0]);
  });
}

// ---- samples: small sequences, masks with padding at either end, initial states ----

/** The operands of one sample, split back out of the sample's input list. */
interface Parts {
  x: Tensor;
  w: Tensor;
  u: Tensor;
  b: Tensor | null;
  h0: Tensor | null;
  c0: Tensor | null;
}

/** Row b keeps its first lengths[b] steps (padding at the end), or its last ones with pre. */
function lengthMask(steps: number, lengths: number[], pre: boolean): Tensor {
  const data = Float64Array.from({ length: lengths.length * steps }, (_, i) => {
    const b = Math.floor(i / steps);
    const t = i % steps;
    return (pre ? t >= steps - lengths[b] : t < lengths[b]) ? 1 : 0;
  });
  return new Tensor(data, [lengths.length, steps]);
}

interface SampleSpec {
  label: string;
  shape: [number, number, number];
  units: number;
  settings: SequenceSettings;
  withBias?: boolean;
  initialState?: boolean;
  initialCell?: boolean;
  /** Real steps per example; the rest is padding (masked). */
  lengths?: number[];
  /** Padding before the real steps (Keras's pad_sequences default) instead of after. */
  pre?: boolean;
}

function recurrentSamples(
  rng: Generator,
  gates: number,
  biasShape: (units: number, s: SequenceSettings) => number[],
  run: (p: Parts, s: SequenceSettings) => Tensor,
  reference: typeof gruReference,
  specs: SampleSpec[],
): OpSample[] {
  return specs.map((spec) => {
    const { units } = spec;
    const [B, T, F] = spec.shape;
    const range = { low: -0.8, high: 0.8 };
    const inputs = [
      sampleInput(rng, spec.shape, { low: -1, high: 1 }),
      sampleInput(rng, [F, gates * units], range),
      sampleInput(rng, [units, gates * units], range),
    ];
    const withBias = spec.withBias ?? true;
    if (withBias) inputs.push(sampleInput(rng, biasShape(units, spec.settings), { low: -0.5, high: 0.5 }));
    if (spec.initialState) inputs.push(sampleInput(rng, [B, units], { low: -0.5, high: 0.5 }));
    if (spec.initialCell) inputs.push(sampleInput(rng, [B, units], { low: -0.5, high: 0.5 }));
    const mask = spec.lengths ? lengthMask(T, spec.lengths, spec.pre ?? false) : null;
    const split = (xs: Tensor[]): Parts => {
      const [x, w, u, ...rest] = xs;
      const b = withBias ? (rest.shift() as Tensor) : null;
      const h0 = spec.initialState ? (rest.shift() as Tensor) : null;
      const c0 = spec.initialCell ? (rest.shift() as Tensor) : null;
      return { x, w, u, b, h0, c0 };
    };
    const settings = (p: Parts): SequenceSettings => ({
      ...spec.settings,
      mask,
      initialState: p.h0,
      initialCell: p.c0,
    });
    return {
      label: spec.label,
      inputs,
      run: (...xs: Tensor[]) => {
        const p = split(xs);
        return run(p, settings(p));
      },
      expected: (...xs: Tensor[]) => {
        const p = split(xs);
        return reference(p.x, p.w, p.u, p.b, settings(p));
      },
    };
  });
}

const gateOf = (s: SequenceSettings) => (s.recurrentActivation ?? 'sigmoid') as GateActivation;

registerOp({
  name: 'simpleRnn',
  samples: (rng) =>
    recurrentSamples(
      rng,
      1,
      (units) => [units],
      (p, s) =>
        simpleRnn(p.x, p.w, p.u, p.b, {
          mask: s.mask,
          initialState: s.initialState,
          returnSequences: s.returnSequences,
          activation: s.activation,
        }),
      simpleRnnReference,
      [
        { label: '[2,4,3] -> 3 units, tanh, last output', shape: [2, 4, 3], units: 3, settings: {} },
        {
          label: '[2,4,2] -> 3 units, sigmoid, every step, padding at the end, h0',
          shape: [2, 4, 2],
          units: 3,
          settings: { returnSequences: true, activation: 'sigmoid' },
          lengths: [4, 2],
          initialState: true,
        },
        {
          label: '[3,3,2] -> 2 units, linear, no bias, padding at the start',
          shape: [3, 3, 2],
          units: 2,
          settings: { activation: 'linear' },
          withBias: false,
          lengths: [3, 1, 2],
          pre: true,
        },
      ],
    ),
});

registerOp({
  name: 'gru',
  samples: (rng) =>
    recurrentSamples(
      rng,
      3,
      (units, s) => ((s.resetAfter ?? true) ? [2, 3 * units] : [3 * units]),
      (p, s) =>
        gru(p.x, p.w, p.u, p.b, {
          mask: s.mask,
          initialState: s.initialState,
          returnSequences: s.returnSequences,
          activation: s.activation,
          recurrentActivation: gateOf(s),
          resetAfter: s.resetAfter,
        }),
      gruReference,
      [
        { label: '[2,3,2] -> 3 units, resetAfter, last output', shape: [2, 3, 2], units: 3, settings: {} },
        {
          label: '[2,4,2] -> 2 units, resetAfter, every step, padding at the end, h0',
          shape: [2, 4, 2],
          units: 2,
          settings: { returnSequences: true },
          lengths: [4, 2],
          initialState: true,
        },
        {
          label: '[2,3,3] -> 2 units, reset before (TF.js), padding at the start',
          shape: [2, 3, 3],
          units: 2,
          settings: { resetAfter: false },
          lengths: [3, 1],
          pre: true,
        },
        {
          label: '[2,3,2] -> 2 units, reset before, every step, no bias, h0',
          shape: [2, 3, 2],
          units: 2,
          settings: { resetAfter: false, returnSequences: true },
          withBias: false,
          initialState: true,
        },
        {
          label: '[1,3,2] -> 2 units, hard sigmoid gates, sigmoid candidate',
          shape: [1, 3, 2],
          units: 2,
          settings: { recurrentActivation: 'hardSigmoid', activation: 'sigmoid' },
        },
      ],
    ),
});

registerOp({
  name: 'lstm',
  samples: (rng) =>
    recurrentSamples(
      rng,
      4,
      (units) => [4 * units],
      (p, s) =>
        lstm(p.x, p.w, p.u, p.b, {
          mask: s.mask,
          initialState: s.initialState,
          initialCellState: s.initialCell,
          returnSequences: s.returnSequences,
          activation: s.activation,
          recurrentActivation: gateOf(s),
        }),
      lstmReference,
      [
        { label: '[2,3,2] -> 3 units, last output', shape: [2, 3, 2], units: 3, settings: {} },
        {
          label: '[2,4,2] -> 2 units, every step, padding at the end, h0 and c0',
          shape: [2, 4, 2],
          units: 2,
          settings: { returnSequences: true },
          lengths: [4, 1],
          initialState: true,
          initialCell: true,
        },
        {
          label: '[3,3,2] -> 2 units, no bias, padding at the start, hard sigmoid gates',
          shape: [3, 3, 2],
          units: 2,
          settings: { recurrentActivation: 'hardSigmoid' },
          withBias: false,
          lengths: [2, 3, 1],
          pre: true,
        },
      ],
    ),
});
