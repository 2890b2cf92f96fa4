import type { Tensor } from '../tensor.js';
import { closedForms, type Reference } from './references.js';

/**
 * Forward references of the sequence ops, in float64, one example and one step at a time from
 * Keras's equations: matrix-vector products by their sums, activations by their closed forms. They
 * share no code with the ops or the kernels (which run batched products and a fused loop).
 */

export type GateActivation = 'sigmoid' | 'hardSigmoid';
export type CellActivation = 'tanh' | 'sigmoid' | 'relu' | 'linear';

const gate = (name: GateActivation) =>
  name === 'sigmoid' ? closedForms.sigmoid : (v: number) => Math.min(1, Math.max(0, 0.2 * v + 0.5));
const cell = (name: CellActivation) => closedForms[name];

/** What a recurrent reference needs besides the weights. */
export interface SequenceSettings {
  mask?: Tensor | null;
  initialState?: Tensor | null;
  initialCell?: Tensor | null;
  returnSequences?: boolean;
  activation?: CellActivation;
  recurrentActivation?: GateActivation;
  resetAfter?: boolean;
}

/** sum_i v[i] * m[i][col] for an rows x cols matrix m. */
function dotColumn(v: ArrayLike<number>, m: Tensor, col: number): number {
  const cols = m.shape[1];
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * m.data[i * cols + col];
  return s;
}

/** The input of example b at step t, as a plain array. */
function stepInput(x: Tensor, b: number, t: number): number[] {
  const [, T, F] = x.shape;
  return Array.from(x.data.subarray((b * T + t) * F, (b * T + t + 1) * F));
}

/**
 * Runs a cell over every example's steps: `step(b, input, state)` gives the new state, whose first
 * element is the output. A masked step keeps the state, and outputs it again.
 */
function runSequence(
  x: Tensor,
  units: number,
  s: SequenceSettings,
  states: number,
  step: (input: number[], state: number[][]) => number[][],
): Reference {
  const [B, T] = x.shape;
  const seqOut = new Float64Array(B * T * units);
  const lastOut = new Float64Array(B * units);
  for (let b = 0; b < B; b++) {
    let state: number[][] = [];
    for (let k = 0; k < states; k++) {
      const init = k === 0 ? s.initialState : s.initialCell;
      state.push(
        init ? Array.from(init.data.subarray(b * units, (b + 1) * units)) : new Array(units).fill(0),
      );
    }
    for (let t = 0; t < T; t++) {
      const skip = s.mask ? s.mask.data[b * T + t] === 0 : false;
      if (!skip) state = step(stepInput(x, b, t), state);
      for (let j = 0; j < units; j++) seqOut[(b * T + t) * units + j] = state[0][j];
    }
    for (let j = 0; j < units; j++) lastOut[b * units + j] = state[0][j];
  }
  return s.returnSequences ? { shape: [B, T, units], data: seqOut } : { shape: [B, units], data: lastOut };
}

/** Keras's SimpleRNN: h = act(x W + h_prev U + b). */
export function simpleRnnReference(
  x: Tensor,
  w: Tensor,
  u: Tensor,
  bias: Tensor | null,
  s: SequenceSettings = {},
): Reference {
  const H = u.shape[0];
  const act = cell(s.activation ?? 'tanh');
  return runSequence(x, H, s, 1, (input, [h]) => {
    const next: number[] = [];
    for (let j = 0; j < H; j++) {
      next.push(act(dotColumn(input, w, j) + dotColumn(h, u, j) + (bias ? bias.data[j] : 0)));
    }
    return [next];
  });
}

/**
 * Keras's GRU, gates z, r, h. resetAfter (bias [2, 3 units]: input bias, recurrent bias):
 * hh = act(x W_h + b_h + r * (h_prev U_h + rb_h)); otherwise (bias [3 units]):
 * hh = act(x W_h + b_h + (r * h_prev) U_h). Then h = z * h_prev + (1 - z) * hh.
 */
export function gruReference(
  x: Tensor,
  w: Tensor,
  u: Tensor,
  bias: Tensor | null,
  s: SequenceSettings = {},
): Reference {
  const H = u.shape[0];
  const resetAfter = s.resetAfter ?? true;
  const rec = gate(s.recurrentActivation ?? 'sigmoid');
  const act = cell(s.activation ?? 'tanh');
  const inBias = (k: number) => (bias ? bias.data[k] : 0);
  const recBias = (k: number) => (bias && resetAfter ? bias.data[3 * H + k] : 0);
  return runSequence(x, H, s, 1, (input, [h]) => {
    const z: number[] = [];
    const r: number[] = [];
    for (let j = 0; j < H; j++) {
      z.push(rec(dotColumn(input, w, j) + inBias(j) + dotColumn(h, u, j) + recBias(j)));
      r.push(rec(dotColumn(input, w, H + j) + inBias(H + j) + dotColumn(h, u, H + j) + recBias(H + j)));
    }
    const rh = h.map((v, j) => r[j] * v);
    const next: number[] = [];
    for (let j = 0; j < H; j++) {
      const xh = dotColumn(input, w, 2 * H + j) + inBias(2 * H + j);
      const hh = resetAfter
        ? act(xh + r[j] * (dotColumn(h, u, 2 * H + j) + recBias(2 * H + j)))
        : act(xh + dotColumn(rh, u, 2 * H + j));
      next.push(z[j] * h[j] + (1 - z[j]) * hh);
    }
    return [next];
  });
}

/**
 * Keras's LSTM, gates i, f, c, o: i = rec(.), f = rec(.), g = act(.), o = rec(.) of x W + h_prev U
 * + b; c = f * c_prev + i * g; h = o * act(c).
 */
export function lstmReference(
  x: Tensor,
  w: Tensor,
  u: Tensor,
  bias: Tensor | null,
  s: SequenceSettings = {},
): Reference {
  const H = u.shape[0];
  const rec = gate(s.recurrentActivation ?? 'sigmoid');
  const act = cell(s.activation ?? 'tanh');
  return runSequence(x, H, s, 2, (input, [h, c]) => {
    const pre = (k: number) => dotColumn(input, w, k) + dotColumn(h, u, k) + (bias ? bias.data[k] : 0);
    const nh: number[] = [];
    const nc: number[] = [];
    for (let j = 0; j < H; j++) {
      const i = rec(pre(j));
      const f = rec(pre(H + j));
      const g = act(pre(2 * H + j));
      const o = rec(pre(3 * H + j));
      nc.push(f * c[j] + i * g);
      nh.push(o * act(nc[j]));
    }
    return [nh, nc];
  });
}

export interface Conv1dSettings {
  strides?: number;
  padding?: 'valid' | 'same' | 'causal';
  dilation?: number;
}

/**
 * Keras's Conv1D on [batch, steps, channels]: y[b, t, f] = bias[f] + sum over k, c of
 * x[b, t * stride + k * dilation - padLeft, c] * kernel[k, c, f], positions outside x read as 0.
 * 'valid' pads nothing, 'causal' pads (size - 1) * dilation on the left, 'same' pads so that
 * ceil(steps / stride) outputs remain (the odd one out on the right, as TensorFlow does).
 */
export function conv1dReference(
  x: Tensor,
  kernel: Tensor,
  bias: Tensor | null,
  s: Conv1dSettings = {},
): Reference {
  const [B, T, C] = x.shape;
  const [K, , F] = kernel.shape;
  const stride = s.strides ?? 1;
  const dil = s.dilation ?? 1;
  const span = (K - 1) * dil + 1;
  let out: number;
  let left: number;
  if ((s.padding ?? 'valid') === 'valid') {
    out = Math.max(0, Math.floor((T - span) / stride) + 1);
    left = 0;
  } else if (s.padding === 'causal') {
    out = Math.floor((T - 1) / stride) + 1;
    left = span - 1;
  } else {
    out = Math.ceil(T / stride);
    left = Math.floor(Math.max(0, (out - 1) * stride + span - T) / 2);
  }
  const data = new Float64Array(B * out * F);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < out; t++) {
      for (let f = 0; f < F; f++) {
        let v = bias ? bias.data[f] : 0;
        for (let k = 0; k < K; k++) {
          const pos = t * stride + k * dil - left;
          if (pos < 0 || pos >= T) continue;
          for (let c = 0; c < C; c++) v += x.data[(b * T + pos) * C + c] * kernel.data[(k * C + c) * F + f];
        }
        data[(b * out + t) * F + f] = v;
      }
    }
  }
  return { shape: [B, out, F], data };
}
