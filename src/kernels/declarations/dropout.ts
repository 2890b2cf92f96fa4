import { declareKernel, record, scalar, size, vector } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { FloatArray } from '../types.js';

/**
 * Inverted dropout's forward with its mask drawn in the kernel. `state` is the four 32-bit words
 * of a xoshiro128** generator (Generator's state), advanced in place by len outputs: element i is
 * dropped (out and mask 0) when the i-th output is below rate * 2^32, and kept ones get mask
 * 1 / (1 - rate) and out x * mask (the product in double, stored once). The same state gives the
 * same mask on every provider, so one seed reproduces a run whatever kernel drew it.
 */
export function dropoutForwardReference(
  len: number,
  rate: number,
  state: Uint32Array,
  x: FloatArray,
  out: FloatArray,
  mask: FloatArray,
): void {
  dropoutDraw(len, rate, state, x, out, mask);
}

/**
 * dropoutForwardReference's loop, the mask optional: the fused kernels that apply dropout without
 * keeping its mask (denseDropoutForward) draw and scale through here. x and out may be one array.
 */
export function dropoutDraw(
  len: number,
  rate: number,
  state: Uint32Array,
  x: FloatArray,
  out: FloatArray,
  mask: FloatArray | null,
): void {
  const cut = rate * 4294967296;
  const scale = 1 / (1 - rate);
  let s0 = state[0] | 0;
  let s1 = state[1] | 0;
  let s2 = state[2] | 0;
  let s3 = state[3] | 0;
  for (let i = 0; i < len; i++) {
    const r = Math.imul(s1, 5);
    const draw = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const m = draw < cut ? 0 : scale;
    if (mask !== null) mask[i] = m;
    out[i] = x[i] * m;
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}

export type DropoutForwardFn = typeof dropoutForwardReference;

export function checkState(state: Uint32Array): string | null {
  return state instanceof Uint32Array && state.length === 4
    ? null
    : 'state must be a Uint32Array of 4 words (a xoshiro128** state)';
}

/** Throws unless rate is in [0, 1) (`kernel` names the caller in the message). */
export function checkedRate(rate: number, kernel = 'dropoutForward'): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`${kernel}: rate must be in [0, 1), got ${rate}`);
}

export const dropoutForwardKernel = declareKernel({
  name: 'dropoutForward',
  args: [
    size('len'),
    scalar('rate'),
    record('state', checkState),
    vector('x', 'len'),
    vector('out', 'len'),
    vector('mask', 'len'),
  ],
  dtypeFrom: 'out',
  work: { sizes: ['len'], scale: 4 },
  reference: dropoutForwardReference,
});

const dispatchedDropoutForward = dispatcher(dropoutForwardKernel);

/** Dropout's forward and mask (see `dropoutForwardReference`); a rate outside [0, 1) throws. */
export const dropoutForward: typeof dispatchedDropoutForward = (len, rate, state, x, out, mask, choice) => {
  checkedRate(rate);
  dispatchedDropoutForward(len, rate, state, x, out, mask, choice);
};

/** out = dy * mask: dropout's backward (and any elementwise product by a saved mask). */
export function dropoutBackwardReference(
  len: number,
  dy: FloatArray,
  mask: FloatArray,
  out: FloatArray,
): void {
  for (let i = 0; i < len; i++) out[i] = dy[i] * mask[i];
}

export type DropoutBackwardFn = typeof dropoutBackwardReference;

export const dropoutBackwardKernel = declareKernel({
  name: 'dropoutBackward',
  args: [size('len'), vector('dy', 'len'), vector('mask', 'len'), vector('out', 'len')],
  dtypeFrom: 'out',
  work: { sizes: ['len'], scale: 1 },
  reference: dropoutBackwardReference,
});

export const dropoutBackward = dispatcher(dropoutBackwardKernel);
