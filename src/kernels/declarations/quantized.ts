import { applyBiasActivation } from '../js/activations.js';
import {
  type ArrayArg,
  choice,
  declareKernel,
  intBlock,
  matrix,
  packedBlock,
  scalar,
  size,
  vector,
} from '../kernel.js';
import { dispatcher } from '../table.js';
import { ACTIVATIONS, type Activation, type FloatArray } from '../types.js';

/**
 * The int8 inference kernels (see docs/quantization.md for the scheme). Activations are uint8 with
 * a zero point but only 7 bits used, [0, QUANT_MAX]; weights are int8. With 7-bit activations a pair
 * of u8 x s8 products sums to at most 2 * 127 * 128 = 32512 in magnitude, inside int16, so the
 * AVX2 instruction that multiplies u8 by s8 and adds pairs with int16 saturation (vpmaddubsw)
 * never saturates, and every provider computes the same exact integer sums.
 */
export const QUANT_MAX = 127;

/**
 * The weight codes the quantizer writes: [-WEIGHT_MAX, WEIGHT_MAX]. With |w| <= 64 two vpmaddubsw
 * results (each at most 2 * 127 * 64 = 16256) add in int16 before one vpmaddwd widens them, a
 * quarter fewer multiply-unit instructions, which measured 1.35x faster on the AVX2 machine. Any
 * int8 weight is still computed exactly (the kernel checks and takes the slower path).
 */
export const WEIGHT_MAX = 64;

/** Round half to even, as QuantizeLinear and the CPU's default rounding do. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * out[i] = clamp(roundHalfEven(x[i] / scale) + zeroPoint, 0, 127), the quotient rounded to float32
 * first (as a float32 division gives). NaN quantizes to 0, +-Infinity to the ends.
 */
export function quantizeActivationsReference(
  len: number,
  x: FloatArray,
  scale: number,
  zeroPoint: number,
  out: Uint8Array,
): void {
  const s = Math.fround(scale);
  for (let i = 0; i < len; i++) {
    let q = roundHalfEven(Math.fround(Math.fround(x[i]) / s)) + zeroPoint;
    if (!(q >= 0)) q = 0;
    else if (q > QUANT_MAX) q = QUANT_MAX;
    out[i] = q;
  }
}

export type QuantizeActivationsFn = typeof quantizeActivationsReference;

function checkQuantParams(scale: number, zeroPoint: number): void {
  if (!(scale > 0 && Number.isFinite(scale)) || Math.fround(scale) === 0) {
    throw new Error(`quantizeActivations: scale must be a positive finite float32, got ${scale}`);
  }
  if (!Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > QUANT_MAX) {
    throw new Error(
      `quantizeActivations: zeroPoint must be an integer in [0, ${QUANT_MAX}], got ${zeroPoint}`,
    );
  }
}

export const quantizeActivationsKernel = declareKernel({
  name: 'quantizeActivations',
  args: [
    size('len'),
    vector('x', 'len'),
    scalar('scale'),
    scalar('zeroPoint'),
    intBlock('out', ['len'], 'uint8'),
  ],
  dtypeFrom: 'x',
  work: { sizes: ['len'], scale: 1 },
  reference: quantizeActivationsReference,
});

const quantizeDispatched = dispatcher(quantizeActivationsKernel);

/** Float activations to 7-bit unsigned codes on the chosen provider. */
export const quantizeActivations: typeof quantizeDispatched = (len, x, scale, zeroPoint, out, provider) => {
  checkQuantParams(scale, zeroPoint);
  quantizeDispatched(len, x, scale, zeroPoint, out, provider);
};

/**
 * The quantized dense layer: acc[i][j] = sum_p x[i][p] * w[j][p] in exact integers (x m x k uint8
 * codes in [0, 127], w n x k int8, one row per output channel), then
 * out[i][j] = act(float32(acc) * scale[j] + offset[j]), each step rounded to float32 (no fused
 * multiply-add), where scale[j] = (activation scale) * (weight scale of channel j) and
 * offset[j] = bias[j] - scale[j] * zeroPoint * sum_p w[j][p] folds the zero point in.
 * Codes above 127 are refused (they could saturate the AVX2 path).
 */
export function quantizedDenseReference(
  m: number,
  n: number,
  k: number,
  x: Uint8Array,
  w: Int8Array,
  scale: FloatArray,
  offset: FloatArray,
  activation: Activation,
  out: FloatArray,
): void {
  checkCodes(x, m * k);
  for (let i = 0; i < m; i++) {
    const xi = i * k;
    for (let j = 0; j < n; j++) {
      const wj = j * k;
      let acc = 0;
      for (let p = 0; p < k; p++) acc += x[xi + p] * w[wj + p];
      out[i * n + j] = int8Epilogue(acc, scale[j], offset[j]);
    }
  }
  if (activation !== 'linear') applyBiasActivation(m, n, null, activation, out);
}

/** float32(acc) * scale + offset, each step rounded to float32 (never a fused multiply-add). */
function int8Epilogue(acc: number, scale: number, offset: number): number {
  return Math.fround(Math.fround(Math.fround(acc) * scale) + offset);
}

/** Throws when a code of x exceeds 127. */
export function checkCodes(x: Uint8Array, len: number): void {
  for (let i = 0; i < len; i++) {
    if (x[i] > QUANT_MAX) {
      throw new Error(`quantizedDense: x[${i}] is ${x[i]}; activation codes must be in [0, ${QUANT_MAX}]`);
    }
  }
}

export type QuantizedDenseFn = typeof quantizedDenseReference;

/** An int8 dense kernel's declaration: quantizedDense's arguments, the weights plain or packed. */
function declareInt8Dense(name: string, weights: ArrayArg<false>, reference: QuantizedDenseFn) {
  return declareKernel({
    name,
    args: [
      size('m'),
      size('n'),
      size('k'),
      intBlock('x', ['m', 'k'], 'uint8'),
      weights,
      vector('scale', 'n'),
      vector('offset', 'n'),
      choice('activation', ACTIVATIONS),
      matrix('out', 'm', 'n'),
    ],
    dtypeFrom: 'out',
    work: { sizes: ['m', 'n', 'k'], scale: 2 },
    reference,
  });
}

export const quantizedDenseKernel = declareInt8Dense(
  'quantizedDense',
  intBlock('w', ['n', 'k'], 'int8'),
  quantizedDenseReference,
);

/** out = act(scale * (x w^T) + offset) in int8 arithmetic on the chosen provider. */
export const quantizedDense = dispatcher(quantizedDenseKernel);

/** Output channels per panel of packed int8 weights (packInt8Weights). */
export const INT8_PANEL = 16;
/** Bytes of k per group of packed int8 weights: what one 32-bit lane of the int8 kernels takes. */
export const INT8_GROUP = 4;

/** Bytes of n x k int8 weights once packed: ceil(n / 16) * 16 * ceil(k / 4) * 4. */
export function packedInt8Length(n: number, k: number): number {
  return Math.ceil(n / INT8_PANEL) * INT8_PANEL * Math.ceil(k / INT8_GROUP) * INT8_GROUP;
}

/**
 * n x k int8 weights (one row per output channel) in the layout the int8 kernels read: panels of
 * 16 channels, each panel's k in groups of 4 bytes, and a group's 64 bytes channel after channel:
 * packed[(floor(j / 16) * groups + floor(p / 4)) * 64 + (j % 16) * 4 + p % 4] = w[j * k + p], with
 * groups = ceil(k / 4) and zeros in the padding (channels past n, bytes past k). A broadcast of 4
 * bytes of an input row against one group then gives 16 channels' sums in the lanes of one vector.
 * Done once per set of weights (QuantizedDense keeps it), not on every call.
 */
export function packInt8Weights(n: number, k: number, w: Int8Array): Int8Array {
  checkWeights('packInt8Weights', 'w', n, k, w.length, n * k);
  const packed = new Int8Array(packedInt8Length(n, k));
  forEachWeight(n, k, (plain, at) => {
    packed[at] = w[plain];
  });
  return packed;
}

/** The n x k weights back from their packed layout (packInt8Weights' inverse; padding ignored). */
export function unpackInt8Weights(n: number, k: number, packed: Int8Array): Int8Array {
  checkWeights('unpackInt8Weights', 'packed', n, k, packed.length, packedInt8Length(n, k));
  const w = new Int8Array(n * k);
  forEachWeight(n, k, (plain, at) => {
    w[plain] = packed[at];
  });
  return w;
}

function checkWeights(who: string, name: string, n: number, k: number, length: number, need: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k) || k < 0) {
    throw new Error(`${who}: n and k must be non-negative integers, got ${n} and ${k}`);
  }
  if (length < need) throw new Error(`${who}: ${name} has ${length} elements, needs ${need} (${n}x${k})`);
}

/** visit(j * k + p, where weight (j, p) sits in the packed layout) for every weight, row by row. */
function forEachWeight(n: number, k: number, visit: (plain: number, at: number) => void): void {
  const groups = Math.ceil(k / INT8_GROUP);
  for (let j = 0; j < n; j++) {
    const base = Math.floor(j / INT8_PANEL) * groups * 64 + (j % INT8_PANEL) * INT8_GROUP;
    for (let p = 0; p < k; p++) visit(j * k + p, base + (p >> 2) * 64 + (p & 3));
  }
}

/**
 * quantizedDense over weights packed by packInt8Weights: the same exact sums and epilogue (the
 * weights unpacked, the padding never read). The kernels skip repacking the weights on every call,
 * which cost about half the time of a call at 8 rows of a 1024 x 1024 layer.
 */
export function quantizedDensePackedReference(
  m: number,
  n: number,
  k: number,
  x: Uint8Array,
  packed: Int8Array,
  scale: FloatArray,
  offset: FloatArray,
  activation: Activation,
  out: FloatArray,
): void {
  const w = unpackInt8Weights(n, k, packed);
  quantizedDenseReference(m, n, k, x, w, scale, offset, activation, out);
}

export type QuantizedDensePackedFn = typeof quantizedDensePackedReference;

export const quantizedDensePackedKernel = declareInt8Dense(
  'quantizedDensePacked',
  packedBlock('packed', ['n', 'k'], 'int8', [INT8_PANEL, INT8_GROUP]),
  quantizedDensePackedReference,
);

/** quantizedDense over packed weights (packInt8Weights) on the chosen provider. */
export const quantizedDensePacked = dispatcher(quantizedDensePackedKernel);
