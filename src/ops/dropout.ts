import { fresh, record } from '../autograd.js';
import { recycle, scratch } from '../buffer-pool.js';
import { dropoutBackward, dropoutForward } from '../kernels/registry.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator, Generator } from '../random.js';
import { type Dtype, type FloatArray, Tensor } from '../tensor.js';
import type { Reference } from './references.js';
import { registerOp } from './registry.js';
import { unarySample } from './samples.js';

export interface DropoutOptions {
  /** false in evaluation: dropout is then the identity. Default true. */
  training?: boolean;
  /** Where the mask comes from; the global seeded generator by default. */
  generator?: Generator;
}

const DROPOUT_OPTIONS = knownOptions<DropoutOptions>({ training: true, generator: true });

/**
 * Inverted dropout: each element is zeroed with probability `rate` and the kept ones are scaled by
 * 1 / (1 - rate), so the expected value is unchanged and evaluation needs no rescaling. The mask is
 * drawn inside the dropoutForward kernel from the generator's state (one 32-bit draw per element,
 * dropped when below rate * 2^32), so every provider draws the same mask from the same seed.
 */
export function dropout(x: Tensor, rate: number, options: DropoutOptions = {}): Tensor {
  if (!dropoutActive('dropout', rate, options)) return x;
  const n = x.size;
  const { out: od, mask } = drawDropout(x.dtype, x.data, rate, options);
  return record(
    'dropout',
    new Tensor(od, x.shape),
    [x],
    (grad) => {
      const gx = fresh(scratch(x.dtype, n));
      dropoutBackward(n, grad, mask, gx);
      return [gx];
    },
    () => recycle(mask),
  );
}

/** Checks dropout's rate and options (for `op`); false when dropout is the identity. */
export function dropoutActive(op: string, rate: number, options: DropoutOptions): boolean {
  if (!(rate >= 0 && rate < 1)) throw new Error(`${op}: rate must be in [0, 1), got ${rate}`);
  checkOptions(op, options, DROPOUT_OPTIONS);
  return options.training !== false && rate !== 0;
}

/**
 * Inverted dropout of x's elements: the output and the mask (scratch arrays the kernel fills), the
 * mask drawn from options.generator (the global one by default), which advances by x.length draws.
 */
export function drawDropout(
  dtype: Dtype,
  x: FloatArray,
  rate: number,
  options: DropoutOptions,
): { out: FloatArray; mask: FloatArray } {
  const n = x.length;
  const mask = scratch(dtype, n);
  const out = scratch(dtype, n);
  advanceDropout(options, (state) => dropoutForward(n, rate, state, x, out, mask));
  return { out, mask };
}

/**
 * Runs a kernel that draws dropout masks (it advances `state` in place) with the state of
 * options.generator (the global generator by default), then stores the advanced state back.
 */
export function advanceDropout(options: DropoutOptions, kernel: (state: Uint32Array) => void): void {
  const g = options.generator ?? defaultGenerator();
  const state = g.getState(stateScratch);
  kernel(state);
  g.setState(state);
}

/** The generator's state while a kernel advances it (a dropout call never nests in another). */
const stateScratch = new Uint32Array(4);

/**
 * Inverted dropout by its definition: element i is dropped when the generator's i-th 32-bit draw
 * falls below rate * 2^32, and kept ones are divided by 1 - rate.
 */
export function dropoutReference(
  x: { shape: readonly number[]; data: ArrayLike<number> },
  rate: number,
  seed: number,
): Reference {
  const draws = new Generator(seed).fillUint32(new Uint32Array(x.data.length));
  return {
    shape: [...x.shape],
    data: Float64Array.from(x.data, (v: number, i: number) =>
      draws[i] < rate * 2 ** 32 ? 0 : v / (1 - rate),
    ),
  };
}

/** A sample whose mask comes from a generator seeded inside run, the same on every call (gradcheck needs it). */
const fixedMask = (rng: Generator, shape: number[], rate: number, seed: number) =>
  unarySample(
    rng,
    `[${shape}] rate ${rate}, fixed mask`,
    shape,
    (a) => dropout(a, rate, { generator: new Generator(seed) }),
    (a) => dropoutReference(a, rate, seed),
  );

registerOp({
  name: 'dropout',
  samples: (rng) => [fixedMask(rng, [6, 5], 0.5, 7), fixedMask(rng, [10], 0.2, 8)],
});
