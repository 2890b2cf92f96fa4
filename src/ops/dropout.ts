import { record } from '../autograd.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator, Generator } from '../random.js';
import { alloc, Tensor } from '../tensor.js';
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
 * 1 / (1 - rate), so the expected value is unchanged and evaluation needs no rescaling.
 */
/** Scratch for the mask's random draws, reused across calls. */
let draws = new Uint32Array(0);

export function dropout(x: Tensor, rate: number, options: DropoutOptions = {}): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  checkOptions('dropout', options, DROPOUT_OPTIONS);
  if (options.training === false || rate === 0) return x;
  const g = options.generator ?? defaultGenerator();
  const scale = 1 / (1 - rate);
  // One 32-bit draw per element (drop when below rate * 2^32): half the generator calls of
  // random(), and a 2^-32 resolution of the rate is far finer than any rate anyone sets.
  const cut = rate * 4294967296;
  const mask = alloc(x.dtype, x.size);
  const xd = x.data;
  const od = alloc(x.dtype, x.size);
  if (draws.length < x.size) draws = new Uint32Array(x.size);
  g.fillUint32(draws.subarray(0, x.size));
  for (let i = 0; i < mask.length; i++) {
    const m = draws[i] < cut ? 0 : scale;
    mask[i] = m;
    od[i] = xd[i] * m;
  }
  return record('dropout', new Tensor(od, x.shape), [x], (grad) => {
    const gx = alloc(x.dtype, grad.length);
    for (let i = 0; i < gx.length; i++) gx[i] = grad[i] * mask[i];
    return [gx];
  });
}

/**
 * Inverted dropout by its definition: element i is dropped when the generator's i-th 32-bit draw
 * falls below rate * 2^32, and kept ones are divided by 1 - rate.
 */
function dropoutReference(x: Tensor, rate: number, seed: number): Reference {
  const draws = new Generator(seed).fillUint32(new Uint32Array(x.size));
  return {
    shape: [...x.shape],
    data: Float64Array.from(x.data, (v, i) => (draws[i] < rate * 2 ** 32 ? 0 : v / (1 - rate))),
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
