import type { Dtype } from '../kernels/types.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator, Generator } from '../random.js';
import { formatShape, type Tensor } from '../tensor.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { type BuildContext, type LayerConfig, type MaskedOutput, Module } from './module.js';

export interface SequentialOptions {
  name?: string;
  /** Seeds the initializers and dropout masks (default: the global generator, see manualSeed). */
  seed?: number;
  generator?: Generator;
  dtype?: Dtype;
}

const SEQUENTIAL_OPTIONS = knownOptions<SequentialOptions>({
  name: true,
  seed: true,
  generator: true,
  dtype: true,
});

/**
 * Layers applied in order, passing each one the mask of padded steps the previous made. Builds
 * itself as soon as the shape of one example is known: [features] for rows, [steps, features] for
 * sequences, [steps] for token ids.
 */
export class Sequential extends Module {
  readonly layers: Module[];
  readonly dtype: Dtype;
  readonly generator: Generator;
  /** The shape of one example (no batch axis), once built; inputDim is its last axis. */
  inputShape: number[] | null = null;

  constructor(layers: Module[], options: SequentialOptions = {}) {
    super(checkOptions('Sequential', options, SEQUENTIAL_OPTIONS).name ?? 'sequential');
    if (layers.length === 0) throw new Error('Sequential: needs at least one layer');
    this.layers = layers;
    this.dtype = options.dtype ?? 'float32';
    this.generator =
      options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator());
    assignNames(layers);
    const declared = layers[0].declaredInputShape();
    if (declared !== null) this.buildShape(declared);
  }

  get className(): string {
    return 'Sequential';
  }

  override children(): Module[] {
    return this.layers;
  }

  /** Parameters named by layer only (dense_1/kernel), as Keras names weights. */
  override namedParameters(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const layer of this.layers) out.push(...layer.namedParameters());
    return out;
  }

  override namedWeights(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const layer of this.layers) out.push(...layer.namedWeights());
    return out;
  }

  override outputDim(inputDim: number): number {
    let d = inputDim;
    for (const layer of this.layers) d = layer.outputDim(d);
    return d;
  }

  override outputShape(inputShape: readonly number[]): number[] {
    let shape = [...inputShape];
    for (const layer of this.layers) shape = layer.outputShape(shape);
    return shape;
  }

  override build(inputDim: number, ctx?: BuildContext): number {
    const out = this.buildShape([inputDim], ctx);
    return out[out.length - 1];
  }

  override buildShape(inputShape: readonly number[], ctx?: BuildContext): number[] {
    const shape = [...inputShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(
        `Sequential: the shape of one example must be positive integers, such as [features] or [steps, features], got ${formatShape(shape)}`,
      );
    }
    if (this.inputShape !== null) {
      if (!sameShape(shape, this.inputShape)) {
        throw new Error(
          `Sequential: built for examples of shape ${describeShape(this.inputShape)}, asked to build for ${describeShape(shape)}`,
        );
      }
      return this.outputShape(shape);
    }
    const c = ctx ?? { generator: this.generator, dtype: this.dtype };
    let out = shape;
    for (const layer of this.layers) out = layer.buildShape(out, c);
    this.inputShape = shape;
    this.inputDim = shape[shape.length - 1];
    return out;
  }

  forward(x: Tensor): Tensor {
    return this.forwardMasked(x, null).output;
  }

  /** Runs the layers from `from` up to (not including) `to`, passing the mask along. */
  forwardLayers(x: Tensor, mask: Tensor | null, from = 0, to = this.layers.length): MaskedOutput {
    if (from === 0) this.checkInput(x);
    let h: MaskedOutput = { output: x, mask };
    for (let i = from; i < to; i++) {
      const layer = this.layers[i];
      const next = i + 1 < to ? this.layers[i + 1] : null;
      // A Dense and the Dropout after it, while training: one op (Dense.forwardWithDropout).
      if (h.mask === null && layer instanceof Dense && next instanceof Dropout && next.training) {
        const generator = next.generator ?? defaultGenerator();
        h = { output: layer.forwardWithDropout(h.output, next.rate, generator), mask: null };
        i++;
        continue;
      }
      h = layer.forwardMasked(h.output, h.mask);
    }
    return h;
  }

  override forwardMasked(x: Tensor, mask: Tensor | null): MaskedOutput {
    return this.forwardLayers(x, mask);
  }

  /** Builds on the first batch; afterwards every batch must have the built example shape. */
  private checkInput(x: Tensor): void {
    if (x.ndim < 2) {
      throw new Error(
        `Sequential: input must have a batch axis, such as [batch, features], got ${formatShape(x.shape)}`,
      );
    }
    const example = x.shape.slice(1);
    if (this.inputShape === null) this.buildShape(example);
    else if (!sameShape(example, this.inputShape)) {
      if (this.inputShape.length === 1 && example.length === 1) {
        throw new Error(
          `Sequential: input has ${example[0]} features but the model expects ${this.inputShape[0]}`,
        );
      }
      throw new Error(
        `Sequential: input has examples of shape ${describeShape(example)} (${formatShape(x.shape)}) but the model expects ${describeShape(this.inputShape)}`,
      );
    }
  }

  config(): LayerConfig {
    return { type: 'Sequential', name: this.name, layers: this.layers.map((l) => l.config()) };
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** [steps, features] style: the example shape with what its axes are. */
export function describeShape(shape: readonly number[]): string {
  if (shape.length === 1) return `[${shape[0]}] (features)`;
  if (shape.length === 2) return `[${shape[0]}, ${shape[1]}] (steps, features)`;
  return formatShape(shape);
}

/** Keras-style unique names: dense, dense_1, dropout, ... (user-given names are kept). */
function assignNames(layers: Module[]): void {
  const taken = new Set(layers.map((l) => l.name).filter((n) => n !== ''));
  if (taken.size !== layers.filter((l) => l.name !== '').length) {
    throw new Error(
      `Sequential: layer names must be unique, got ${layers.map((l) => l.name || '?').join(', ')}`,
    );
  }
  const counts = new Map<string, number>();
  for (const layer of layers) {
    if (layer.name !== '') continue;
    const base = snake(layer.className);
    let k = counts.get(base) ?? 0;
    let name = k === 0 ? base : `${base}_${k}`;
    while (taken.has(name)) name = `${base}_${++k}`;
    counts.set(base, k + 1);
    taken.add(name);
    layer.name = name;
  }
}

/** Keras's to_snake_case: GlobalMaxPooling1D -> global_max_pooling1d, SimpleRNN -> simple_rnn. */
function snake(s: string): string {
  return s
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
