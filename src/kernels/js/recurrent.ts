import type { GemmFn } from '../declarations/gemm.js';
import type { Activation, FloatArray, RecurrentActivation } from '../types.js';
import { sigmoid } from './activations.js';

/**
 * The recurrent sequence kernels (SimpleRNN, GRU, LSTM, in Keras's gate layouts), written once
 * over a gemm: the declarations' references run them on the reference gemm, a provider on its
 * own. Arrays are batch-major: row b * steps + t of xp, hs, cs and cache belongs to example b at
 * step t. A mask value of 0 skips the step: the state (h, and c for the LSTM) is carried over and
 * the step's output is the carried state, as in Keras and TF.js.
 *
 * The forward kernels take xp = x W + b (the input projections of every step, one product
 * outside the loop) and run the loop of products with the recurrent kernel and the gates. The
 * backward kernels run backpropagation through time: from the gradient of every step's output
 * they give the gradients of xp, of the recurrent kernel (one product over all steps, after the
 * loop), of the recurrent bias and of the initial state.
 */

// Activations by code, in functions small enough for V8 to inline at each use (a call through a
// table of closures is not inlined, and costs more than the math in these loops).
const CODES: Record<Activation | RecurrentActivation, number> = {
  linear: 0,
  relu: 1,
  sigmoid: 2,
  tanh: 3,
  hardSigmoid: 4,
};

/** The activation's code, for activate and slope. */
export function activationCode(name: Activation | RecurrentActivation): number {
  return CODES[name];
}

/** act(v). Keras 2's and TF.js's hard sigmoid is 0.2 v + 0.5, clipped to [0, 1]. */
export function activate(code: number, v: number): number {
  switch (code) {
    case 0:
      return v;
    case 1:
      return v > 0 ? v : 0;
    case 2:
      return sigmoid(v);
    case 3:
      return Math.tanh(v);
    default:
      return v <= -2.5 ? 0 : v >= 2.5 ? 1 : 0.2 * v + 0.5;
  }
}

/** The derivative at the input whose output was y, from y. */
export function slope(code: number, y: number): number {
  switch (code) {
    case 0:
      return 1;
    case 1:
      return y > 0 ? 1 : 0;
    case 2:
      return y * (1 - y);
    case 3:
      return 1 - y * y;
    default:
      return y > 0 && y < 1 ? 0.2 : 0;
  }
}

const like = (a: FloatArray, n: number): FloatArray =>
  a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);

/** The state before step 0 of every example: h0 (or c0), or zeros. */
function initialState(init: FloatArray | null, batch: number, units: number, like0: FloatArray): FloatArray {
  const s = like(like0, batch * units);
  if (init !== null) s.set(init.subarray(0, batch * units));
  return s;
}

/** Row b*steps+t of `all` gets the state each step starts from: init at t = 0, else step t-1's. */
function previousStates(
  all: FloatArray,
  init: FloatArray | null,
  batch: number,
  steps: number,
  units: number,
): FloatArray {
  const prev = like(all, batch * steps * units);
  if (steps === 0) return prev;
  for (let b = 0; b < batch; b++) {
    const base = b * steps * units;
    if (init !== null) prev.set(init.subarray(b * units, (b + 1) * units), base);
    if (steps > 1) prev.set(all.subarray(base, base + (steps - 1) * units), base + units);
  }
  return prev;
}

/** Columns [from, from + width) of a rows x cols matrix, as a contiguous rows x width copy. */
function columns(m: FloatArray, rows: number, cols: number, from: number, width: number): FloatArray {
  const out = like(m, rows * width);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * cols + from, r * cols + from + width), r * width);
  return out;
}

/** out[j] = sum over rows of m[r * n + j] (accumulated in float64). */
function columnTotals(m: FloatArray, rows: number, n: number, out: FloatArray): void {
  const acc = new Float64Array(n);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) acc[j] += m[r * n + j];
  out.set(acc);
}

const isMasked = (mask: FloatArray | null, row: number) => mask !== null && mask[row] === 0;

// ---- SimpleRNN: h = act(xp + h_prev U) ----

export type RnnForwardFn = (
  batch: number,
  steps: number,
  units: number,
  activation: Activation,
  xp: FloatArray,
  u: FloatArray,
  mask: FloatArray | null,
  h0: FloatArray | null,
  hs: FloatArray,
) => void;

export type RnnBackwardFn = (
  batch: number,
  steps: number,
  units: number,
  activation: Activation,
  u: FloatArray,
  mask: FloatArray | null,
  h0: FloatArray | null,
  hs: FloatArray,
  dhs: FloatArray,
  dxp: FloatArray,
  du: FloatArray,
  dh0: FloatArray | null,
) => void;

export function rnnForwardWith(gemm: GemmFn): RnnForwardFn {
  return (batch, steps, units, activation, xp, u, mask, h0, hs) => {
    const H = units;
    const act = CODES[activation];
    const h = initialState(h0, batch, H, hs);
    const hp = like(hs, batch * H);
    for (let t = 0; t < steps; t++) {
      gemm(false, false, batch, H, H, 1, h, u, 0, hp);
      for (let b = 0; b < batch; b++) {
        const row = b * steps + t;
        const at = row * H;
        if (!isMasked(mask, row)) {
          for (let j = 0; j < H; j++) h[b * H + j] = activate(act, xp[at + j] + hp[b * H + j]);
        }
        hs.set(h.subarray(b * H, (b + 1) * H), at);
      }
    }
  };
}

export function rnnBackwardWith(gemm: GemmFn): RnnBackwardFn {
  return (batch, steps, units, activation, u, mask, h0, hs, dhs, dxp, du, dh0) => {
    const H = units;
    const actCode = CODES[activation];
    const dh = like(hs, batch * H);
    const dpre = like(hs, batch * H);
    const back = like(hs, batch * H);
    for (let t = steps - 1; t >= 0; t--) {
      for (let b = 0; b < batch; b++) {
        const row = b * steps + t;
        const at = row * H;
        for (let j = 0; j < H; j++) dh[b * H + j] += dhs[at + j];
        for (let j = 0; j < H; j++) {
          const d = isMasked(mask, row) ? 0 : dh[b * H + j] * slope(actCode, hs[at + j]);
          dpre[b * H + j] = d;
          dxp[at + j] = d;
        }
      }
      gemm(false, true, batch, H, H, 1, dpre, u, 0, back);
      for (let b = 0; b < batch; b++) {
        if (isMasked(mask, b * steps + t)) continue; // the state passed through: its gradient too
        for (let j = 0; j < H; j++) dh[b * H + j] = back[b * H + j];
      }
    }
    if (dh0 !== null) dh0.set(dh);
    const prev = previousStates(hs, h0, batch, steps, H);
    gemm(true, false, H, H, batch * steps, 1, prev, dxp, 0, du);
  };
}

// ---- GRU (Keras: gates z, r, h; reset_after applies r to h_prev U_h + b_h) ----

export type GruForwardFn = (
  batch: number,
  steps: number,
  units: number,
  resetAfter: boolean,
  recurrentActivation: RecurrentActivation,
  activation: Activation,
  xp: FloatArray,
  u: FloatArray,
  ub: FloatArray | null,
  mask: FloatArray | null,
  h0: FloatArray | null,
  hs: FloatArray,
  cache: FloatArray,
) => void;

export type GruBackwardFn = (
  batch: number,
  steps: number,
  units: number,
  resetAfter: boolean,
  recurrentActivation: RecurrentActivation,
  activation: Activation,
  u: FloatArray,
  mask: FloatArray | null,
  h0: FloatArray | null,
  hs: FloatArray,
  cache: FloatArray,
  dhs: FloatArray,
  dxp: FloatArray,
  du: FloatArray,
  dub: FloatArray | null,
  dh0: FloatArray | null,
) => void;

/**
 * GRU forward. cache row (4 * units): z, r, n (the candidate) and, with resetAfter, hn = h_prev U_h
 * + b_h (the backward needs it); without, r * h_prev.
 *
 *     z = rec(xp_z + h_prev U_z + b_z)    r = rec(xp_r + h_prev U_r + b_r)
 *     resetAfter: n = act(xp_h + r * (h_prev U_h + b_h))    else: n = act(xp_h + (r * h_prev) U_h)
 *     h = z * h_prev + (1 - z) * n
 */
export function gruForwardWith(gemm: GemmFn): GruForwardFn {
  return (
    batch,
    steps,
    units,
    resetAfter,
    recurrentActivation,
    activation,
    xp,
    u,
    ub,
    mask,
    h0,
    hs,
    cache,
  ) => {
    const H = units;
    const G = 3 * H;
    const rec = CODES[recurrentActivation];
    const act = CODES[activation];
    const h = initialState(h0, batch, H, hs);
    const hp = like(hs, batch * G);
    const uh = resetAfter ? null : columns(u, H, G, 2 * H, H);
    const rh = like(hs, batch * H);
    const rhU = like(hs, batch * H);
    for (let t = 0; t < steps; t++) {
      gemm(false, false, batch, G, H, 1, h, u, 0, hp);
      for (let b = 0; b < batch; b++) {
        const row = b * steps + t;
        const x = row * G;
        const c = row * 4 * H;
        const p = b * G;
        if (isMasked(mask, row)) {
          cache.fill(0, c, c + 4 * H);
          continue;
        }
        for (let j = 0; j < H; j++) {
          const bz = ub === null ? 0 : ub[j];
          const br = ub === null ? 0 : ub[H + j];
          const z = activate(rec, xp[x + j] + hp[p + j] + bz);
          const r = activate(rec, xp[x + H + j] + hp[p + H + j] + br);
          cache[c + j] = z;
          cache[c + H + j] = r;
          if (resetAfter) {
            const hn = hp[p + 2 * H + j] + (ub === null ? 0 : ub[2 * H + j]);
            const n = activate(act, xp[x + 2 * H + j] + r * hn);
            cache[c + 2 * H + j] = n;
            cache[c + 3 * H + j] = hn;
          } else {
            rh[b * H + j] = r * h[b * H + j];
            cache[c + 3 * H + j] = rh[b * H + j];
          }
        }
      }
      if (uh !== null) gemm(false, false, batch, H, H, 1, rh, uh, 0, rhU);
      for (let b = 0; b < batch; b++) {
        const row = b * steps + t;
        const at = row * H;
        if (!isMasked(mask, row)) {
          const x = row * G;
          const c = row * 4 * H;
          for (let j = 0; j < H; j++) {
            const z = cache[c + j];
            let n: number;
            if (uh === null) n = cache[c + 2 * H + j];
            else {
              n = activate(act, xp[x + 2 * H + j] + rhU[b * H + j]);
              cache[c + 2 * H + j] = n;
            }
            const prev = h[b * H + j];
            h[b * H + j] = z * prev + (1 - z) * n;
          }
        }
        hs.set(h.subarray(b * H, (b + 1) * H), at);
      }
    }
  };
}

export function gruBackwardWith(gemm: GemmFn): GruBackwardFn {
  return (
    batch,
    steps,
    units,
    resetAfter,
    recurrentActivation,
    activation,
    u,
    mask,
    h0,
    hs,
    cache,
    dhs,
    dxp,
    du,
    dub,
    dh0,
  ) => {
    const H = units;
    const G = 3 * H;
    const rec = CODES[recurrentActivation];
    const actCode = CODES[activation];
    const rows = batch * steps;
    const prev = previousStates(hs, h0, batch, steps, H);
    // The gradient of h_prev U (+ b) of every step: its products with h_prev give dU after the loop.
    const dhpAll = like(hs, rows * G);
    const uh = resetAfter ? null : columns(u, H, G, 2 * H, H);
    const dnAll = resetAfter ? null : like(hs, rows * H);
    const dh = like(hs, batch * H);
    const dHP = like(hs, batch * G);
    const dn = like(hs, batch * H);
    const drh = like(hs, batch * H);
    const back = like(hs, batch * H);
    for (let t = steps - 1; t >= 0; t--) {
      for (let b = 0; b < batch; b++) {
        const row = b * steps + t;
        const at = row * H;
        for (let j = 0; j < H; j++) dh[b * H + j] += dhs[at + j];
        const c = row * 4 * H;
        const masked = isMasked(mask, row);
        for (let j = 0; j < H; j++) {
          const z = cache[c + j];
          const n = cache[c + 2 * H + j];
          const g = masked ? 0 : dh[b * H + j];
          // h = z h_prev + (1 - z) n
          const dz = g * (prev[at + j] - n) * slope(rec, z);
          const dnPre = g * (1 - z) * slope(actCode, n);
          dHP[b * G + j] = dz;
          dn[b * H + j] = dnPre;
          if (resetAfter) {
            const r = cache[c + H + j];
            const hn = cache[c + 3 * H + j];
            dHP[b * G + H + j] = masked ? 0 : dnPre * hn * slope(rec, r);
            dHP[b * G + 2 * H + j] = dnPre * r;
          } else {
            dHP[b * G + 2 * H + j] = 0;
          }
        }
      }
      if (uh !== null && dnAll !== null) {
        // n = act(xp_h + (r h_prev) U_h): the gradient of r h_prev, then r's.
        gemm(false, true, batch, H, H, 1, dn, uh, 0, drh);
        for (let b = 0; b < batch; b++) {
          const row = b * steps + t;
          const c = row * 4 * H;
          const masked = isMasked(mask, row);
          for (let j = 0; j < H; j++) {
            const r = cache[c + H + j];
            dHP[b * G + H + j] = masked ? 0 : drh[b * H + j] * prev[row * H + j] * slope(rec, r);
          }
          dnAll.set(dn.subarray(b * H, (b + 1) * H), row * H);
        }
      }
      gemm(false, true, batch, H, G, 1, dHP, u, 0, back);
      for (let b = 0; b < batch; b++) {
        const row = b * steps + t;
        const x = row * G;
        const c = row * 4 * H;
        for (let j = 0; j < H; j++) {
          dxp[x + j] = dHP[b * G + j];
          dxp[x + H + j] = dHP[b * G + H + j];
          dxp[x + 2 * H + j] = dn[b * H + j];
        }
        dhpAll.set(dHP.subarray(b * G, (b + 1) * G), x);
        if (isMasked(mask, row)) continue; // the state passed through unchanged: so does its gradient
        for (let j = 0; j < H; j++) {
          let d = dh[b * H + j] * cache[c + j] + back[b * H + j];
          if (uh !== null) d += drh[b * H + j] * cache[c + H + j];
          dh[b * H + j] = d;
        }
      }
    }
    if (dh0 !== null) dh0.set(dh);
    gemm(true, false, H, G, rows, 1, prev, dhpAll, 0, du);
    if (dnAll !== null) {
      // U_h multiplies r * h_prev (cached), not h_prev: its gradient comes from those products.
      const duh = like(du, H * H);
      const rhAll = columns(cache, rows, 4 * H, 3 * H, H);
      gemm(true, false, H, H, rows, 1, rhAll, dnAll, 0, duh);
      for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) du[i * G + 2 * H + j] = duh[i * H + j];
    }
    if (dub !== null) columnTotals(dhpAll, rows, G, dub);
  };
}

// ---- LSTM (Keras: gates i, f, c, o) ----

export type LstmForwardFn = (
  batch: number,
  steps: number,
  units: number,
  recurrentActivation: RecurrentActivation,
  activation: Activation,
  xp: FloatArray,
  u: FloatArray,
  mask: FloatArray | null,
  h0: FloatArray | null,
  c0: FloatArray | null,
  hs: FloatArray,
  cs: FloatArray,
  cache: FloatArray,
) => void;

export type LstmBackwardFn = (
  batch: number,
  steps: number,
  units: number,
  recurrentActivation: RecurrentActivation,
  activation: Activation,
  u: FloatArray,
  mask: FloatArray | null,
  h0: FloatArray | null,
  c0: FloatArray | null,
  hs: FloatArray,
  cs: FloatArray,
  cache: FloatArray,
  dhs: FloatArray,
  dxp: FloatArray,
  du: FloatArray,
  dh0: FloatArray | null,
  dc0: FloatArray | null,
) => void;

/**
 * LSTM forward. cache row (4 * units): i, f, g (the candidate) and o after their activations.
 *
 *     [i, f, g, o] = [rec, rec, act, rec](xp + h_prev U)
 *     c = f * c_prev + i * g        h = o * act(c)
 */
export function lstmForwardWith(gemm: GemmFn): LstmForwardFn {
  return (batch, steps, units, recurrentActivation, activation, xp, u, mask, h0, c0, hs, cs, cache) => {
    const H = units;
    const G = 4 * H;
    const rec = CODES[recurrentActivation];
    const act = CODES[activation];
    const h = initialState(h0, batch, H, hs);
    const cell = initialState(c0, batch, H, hs);
    const hp = like(hs, batch * G);
    for (let t = 0; t < steps; t++) {
      gemm(false, false, batch, G, H, 1, h, u, 0, hp);
      for (let b = 0; b < batch; b++) {
        const row = b * steps + t;
        const x = row * G;
        const at = row * H;
        const p = b * G;
        if (isMasked(mask, row)) cache.fill(0, x, x + G);
        else {
          for (let j = 0; j < H; j++) {
            const i = activate(rec, xp[x + j] + hp[p + j]);
            const f = activate(rec, xp[x + H + j] + hp[p + H + j]);
            const g = activate(act, xp[x + 2 * H + j] + hp[p + 2 * H + j]);
            const o = activate(rec, xp[x + 3 * H + j] + hp[p + 3 * H + j]);
            cache[x + j] = i;
            cache[x + H + j] = f;
            cache[x + 2 * H + j] = g;
            cache[x + 3 * H + j] = o;
            const c = f * cell[b * H + j] + i * g;
            cell[b * H + j] = c;
            h[b * H + j] = o * activate(act, c);
          }
        }
        hs.set(h.subarray(b * H, (b + 1) * H), at);
        cs.set(cell.subarray(b * H, (b + 1) * H), at);
      }
    }
  };
}

export function lstmBackwardWith(gemm: GemmFn): LstmBackwardFn {
  return (
    batch,
    steps,
    units,
    recurrentActivation,
    activation,
    u,
    mask,
    h0,
    c0,
    hs,
    cs,
    cache,
    dhs,
    dxp,
    du,
    dh0,
    dc0,
  ) => {
    const H = units;
    const G = 4 * H;
    const rec = CODES[recurrentActivation];
    const act = CODES[activation];
    const actCode = CODES[activation];
    const rows = batch * steps;
    const prevC = previousStates(cs, c0, batch, steps, H);
    const dh = like(hs, batch * H);
    const dc = like(hs, batch * H);
    const dHP = like(hs, batch * G);
    const back = like(hs, batch * H);
    for (let t = steps - 1; t >= 0; t--) {
      for (let b = 0; b < batch; b++) {
        const row = b * steps + t;
        const x = row * G;
        const at = row * H;
        for (let j = 0; j < H; j++) dh[b * H + j] += dhs[at + j];
        if (isMasked(mask, row)) {
          dHP.fill(0, b * G, (b + 1) * G);
          continue;
        }
        for (let j = 0; j < H; j++) {
          const i = cache[x + j];
          const f = cache[x + H + j];
          const g = cache[x + 2 * H + j];
          const o = cache[x + 3 * H + j];
          const tc = activate(act, cs[at + j]);
          const gh = dh[b * H + j];
          const gc = dc[b * H + j] + gh * o * slope(actCode, tc);
          dHP[b * G + j] = gc * g * slope(rec, i);
          dHP[b * G + H + j] = gc * prevC[at + j] * slope(rec, f);
          dHP[b * G + 2 * H + j] = gc * i * slope(actCode, g);
          dHP[b * G + 3 * H + j] = gh * tc * slope(rec, o);
          dc[b * H + j] = gc * f;
        }
      }
      gemm(false, true, batch, H, G, 1, dHP, u, 0, back);
      for (let b = 0; b < batch; b++) {
        const row = b * steps + t;
        dxp.set(dHP.subarray(b * G, (b + 1) * G), row * G);
        if (isMasked(mask, row)) continue; // h and c passed through: so do their gradients
        for (let j = 0; j < H; j++) dh[b * H + j] = back[b * H + j];
      }
    }
    if (dh0 !== null) dh0.set(dh);
    if (dc0 !== null) dc0.set(dc);
    const prev = previousStates(hs, h0, batch, steps, H);
    gemm(true, false, H, G, rows, 1, prev, dxp, 0, du);
  };
}
