import type { Dtype } from '../kernels/types.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator, Generator } from '../random.js';
import { formatShape, type Tensor } from '../tensor.js';
import { Dense } from './dense.js';
import { type BuildContext, type LayerConfig, Module } from './module.js';

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

/** Layers applied in order. Builds itself as soon as the input width is known. */
export class Sequential extends Module {
  readonly layers: Module[];
  readonly dtype: Dtype;
  readonly generator: Generator;

  constructor(layers: Module[], options: SequentialOptions = {}) {
    super(checkOptions('Sequential', options, SEQUENTIAL_OPTIONS).name ?? 'sequential');
    if (layers.length === 0) throw new Error('Sequential: needs at least one layer');
    this.layers = layers;
    this.dtype = options.dtype ?? 'float32';
    this.generator =
      options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator());
    assignNames(layers);
    const first = layers[0];
    if (first instanceof Dense && first.declaredInputDim !== null) this.build(first.declaredInputDim);
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

  override build(inputDim: number, ctx?: BuildContext): number {
    if (this.inputDim !== null) {
      if (inputDim !== this.inputDim) {
        throw new Error(
          `Sequential: built for ${this.inputDim} input features, asked to build for ${inputDim}`,
        );
      }
      return this.outputDim(inputDim);
    }
    const c = ctx ?? { generator: this.generator, dtype: this.dtype };
    let d = inputDim;
    for (const layer of this.layers) d = layer.build(d, c);
    this.inputDim = inputDim;
    return d;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 2)
      throw new Error(`Sequential: input must be [batch, features], got ${formatShape(x.shape)}`);
    if (this.inputDim === null) this.build(x.shape[1]);
    else if (x.shape[1] !== this.inputDim) {
      throw new Error(`Sequential: input has ${x.shape[1]} features but the model expects ${this.inputDim}`);
    }
    let h = x;
    for (const layer of this.layers) h = layer.forward(h);
    return h;
  }

  config(): LayerConfig {
    return { type: 'Sequential', name: this.name, layers: this.layers.map((l) => l.config()) };
  }
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

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
