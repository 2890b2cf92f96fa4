import type { Generator } from '../random.js';
import { type Shape, sizeOf, Tensor } from '../tensor.js';
import { type Reference, unaryReference } from './references.js';
import type { OpSample } from './registry.js';

export interface SampleRange {
  low?: number;
  high?: number;
  /** Keep |x| at least this far from zero (for kinks and poles at 0). */
  awayFromZero?: number;
}

/** A float64 input that requires gradients, drawn from the seeded generator. */
export function sampleInput(rng: Generator, shape: Shape, range: SampleRange = {}): Tensor {
  const { low = -2, high = 2, awayFromZero = 0 } = range;
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    let v = rng.uniform(low, high);
    if (awayFromZero > 0 && Math.abs(v) < awayFromZero) v = v < 0 ? v - awayFromZero : v + awayFromZero;
    data[i] = v;
  }
  return new Tensor(data, shape, true);
}

/** A float64 constant (no gradient), e.g. targets of a loss. */
export function sampleConstant(rng: Generator, shape: Shape, draw: (rng: Generator) => number): Tensor {
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw(rng);
  return new Tensor(data, shape, false);
}

/** A sample of an op of one tensor: a float64 input of `shape` drawn in `range`, and its reference. */
export function unarySample(
  rng: Generator,
  label: string,
  shape: Shape,
  run: (a: Tensor) => Tensor,
  expected: (a: Tensor) => Reference,
  range?: SampleRange,
): OpSample {
  return { label, inputs: [sampleInput(rng, shape, range)], run, expected };
}

/** A sample of an elementwise op of one tensor, whose reference is f element by element. */
export function elementwiseSample(
  rng: Generator,
  label: string,
  shape: Shape,
  op: (a: Tensor) => Tensor,
  f: (v: number) => number,
  range?: SampleRange,
): OpSample {
  return unarySample(rng, label, shape, op, (a) => unaryReference(a, f), range);
}
