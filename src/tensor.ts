import type { Dtype, FloatArray } from './kernels/types.js';
import { checkOptions, knownOptions, mergeOptions } from './options.js';
import { defaultGenerator, type Generator } from './random.js';

export type { Dtype, FloatArray };
export type Shape = readonly number[];

/** What the autograd tape keeps for a tensor made by an op (see autograd.ts). */
export interface GraphNode {
  readonly op: string;
  inputs: Tensor[];
  /**
   * Maps the gradient of the output to the gradients of the inputs (null where none is needed).
   * `owned` is true when the tape holds the only reference to `grad` and takes it back after the
   * call: the op may then overwrite it (an elementwise derivative written in place saves a pass
   * over a cold array); it must not keep or recycle it.
   */
  backward: ((grad: FloatArray, owned: boolean) => Array<FloatArray | null>) | null;
  /** Gives the op's saved buffers back to the pool when backward releases the graph. */
  release?: (() => void) | null;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkShape(shape: Shape, where = 'tensor'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${where}: dimensions must be non-negative integers, got [${shape.join(', ')}]`);
    }
  }
}

export function alloc(dtype: Dtype, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/**
 * An n-dimensional array of float32 (default) or float64 values, stored flat and row-major, that
 * can record the ops applied to it so `backward()` can compute gradients.
 */
export class Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
  requiresGrad: boolean;
  /** Accumulated gradient (leaves only), same shape and dtype as the tensor. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, or null for a leaf. */
  node: GraphNode | null = null;
  /** Optional label, shown in graph exports and error messages. */
  name?: string;

  constructor(data: FloatArray, shape: Shape, requiresGrad = false) {
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new Error('tensor: data must be a Float32Array or Float64Array');
    }
    checkShape(shape);
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(`tensor: shape ${formatShape(shape)} needs ${size} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Float64Array ? 'float64' : 'float32';
    this.requiresGrad = requiresGrad;
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new Error(
        `item: tensor of shape ${formatShape(this.shape)} has ${this.data.length} values, not 1`,
      );
    }
    return this.data[0];
  }

  /** Nested plain arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** A tensor sharing this one's data but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** A deep copy (new data), cut from the graph. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, false);
  }

  /** The same values in another dtype (a copy, cut from the graph). */
  to(dtype: Dtype): Tensor {
    const out = alloc(dtype, this.size);
    out.set(this.data);
    return new Tensor(out, this.shape, false);
  }

  zeroGrad(): void {
    this.grad = null;
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

export type NestedArray = number | NestedArray[];

export interface TensorOptions {
  dtype?: Dtype;
  requiresGrad?: boolean;
}

const TENSOR_OPTIONS = knownOptions<TensorOptions>({ dtype: true, requiresGrad: true });

function inferShape(value: NestedArray, path: string): number[] {
  if (typeof value === 'number') return [];
  if (!Array.isArray(value)) throw new Error(`tensor: expected a number or an array at ${path}`);
  if (value.length === 0) return [0];
  const inner = inferShape(value[0], `${path}[0]`);
  for (let i = 1; i < value.length; i++) {
    const s = inferShape(value[i], `${path}[${i}]`);
    if (s.length !== inner.length || s.some((d, j) => d !== inner[j])) {
      throw new Error(
        `tensor: ragged nested array: ${path}[0] has shape ${formatShape(inner)} but ${path}[${i}] has ${formatShape(s)}`,
      );
    }
  }
  return [value.length, ...inner];
}

function flattenInto(value: NestedArray, out: FloatArray, offset: { i: number }): void {
  if (typeof value === 'number') out[offset.i++] = value;
  else for (const v of value) flattenInto(v, out, offset);
}

/**
 * Makes a tensor from nested arrays (shape inferred) or from a flat typed array or number array
 * plus an explicit shape.
 */
export function tensor(
  values: NestedArray | FloatArray | ArrayLike<number>,
  shapeOrOptions?: Shape | TensorOptions,
  options: TensorOptions = {},
): Tensor {
  let shape: Shape | undefined;
  if (Array.isArray(shapeOrOptions)) shape = shapeOrOptions as Shape;
  else if (shapeOrOptions) options = shapeOrOptions as TensorOptions;
  checkOptions('tensor', options, TENSOR_OPTIONS);
  const requiresGrad = options.requiresGrad ?? false;
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const own = values instanceof Float64Array ? 'float64' : 'float32';
    if (options.dtype && options.dtype !== own) {
      throw new Error(`tensor: data is a ${own} array but dtype '${options.dtype}' was asked for; use .to()`);
    }
    return new Tensor(values, shape ?? [values.length], requiresGrad);
  }
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new Error(`tensor: unknown dtype '${dtype}'; use 'float32' or 'float64'`);
  }
  if (shape) {
    if (!isFlatNumbers(values))
      throw new Error('tensor: with an explicit shape, values must be a flat array');
    const data = alloc(dtype, values.length);
    for (let i = 0; i < values.length; i++) data[i] = values[i];
    return new Tensor(data, shape, requiresGrad);
  }
  const nested = values as NestedArray;
  const inferred = inferShape(nested, 'values');
  const data = alloc(dtype, sizeOf(inferred));
  flattenInto(nested, data, { i: 0 });
  return new Tensor(data, inferred, requiresGrad);
}

function isFlatNumbers(v: unknown): v is ArrayLike<number> {
  if (ArrayBuffer.isView(v)) return true;
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  checkShape(shape, 'full');
  checkOptions('full', options, TENSOR_OPTIONS);
  const data = alloc(options.dtype ?? 'float32', sizeOf(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape, options.requiresGrad ?? false);
}

export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  checkOptions('zeros', options, TENSOR_OPTIONS);
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  checkOptions('ones', options, TENSOR_OPTIONS);
  return full(shape, 1, options);
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

const RANDOM_OPTIONS = mergeOptions(
  TENSOR_OPTIONS,
  knownOptions<Omit<RandomOptions, keyof TensorOptions>>({ generator: true }),
);
const RANDN_OPTIONS = mergeOptions(
  RANDOM_OPTIONS,
  knownOptions<{ mean?: number; std?: number }>({ mean: true, std: true }),
);

function fromSampler(shape: Shape, options: RandomOptions, draw: (g: Generator) => number): Tensor {
  checkShape(shape, 'random tensor');
  const g = options.generator ?? defaultGenerator();
  const data = alloc(options.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw(g);
  return new Tensor(data, shape, options.requiresGrad ?? false);
}

/** Uniform in [low, high) from the seeded generator. */
export function uniform(shape: Shape, low = 0, high = 1, options: RandomOptions = {}): Tensor {
  if (!(high >= low)) throw new Error(`uniform: high (${high}) must be >= low (${low})`);
  checkOptions('uniform', options, RANDOM_OPTIONS);
  return fromSampler(shape, options, (g) => g.uniform(low, high));
}

/** Uniform in [0, 1). */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  checkOptions('rand', options, RANDOM_OPTIONS);
  return uniform(shape, 0, 1, options);
}

/** Standard normal (scaled by std, shifted by mean). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1 } = checkOptions('randn', options, RANDN_OPTIONS);
  return fromSampler(shape, options, (g) => g.normal(mean, std));
}
