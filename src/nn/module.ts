import type { Dtype } from '../kernels/types.js';
import { knownOptions } from '../options.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';

/** Options of the parameter-free layers (Dropout, Activation, ReLU, Softmax, ...). */
export interface LayerOptions {
  name?: string;
}

export const LAYER_OPTIONS = knownOptions<LayerOptions>({ name: true });

/** What a layer needs to create its parameters: where randomness comes from and the dtype. */
export interface BuildContext {
  generator: Generator;
  dtype: Dtype;
}

/** A plain-JSON description of a layer, enough to rebuild it (weights travel separately). */
export interface LayerConfig {
  type: string;
  name: string;
  [key: string]: unknown;
}

/**
 * The base of every layer: its parameters (named, for save and export), a train / eval mode, and a
 * build step that creates the parameters once the input width is known. Layers work on 2-D
 * [batch, features] tensors.
 */
export abstract class Module {
  /** Keras-style layer name (dense, dense_1, ...), unique inside a Sequential. */
  name: string;
  training = true;
  /** The input width, once known. */
  inputDim: number | null = null;

  constructor(name?: string) {
    this.name = name ?? '';
  }

  /** The class shown by summary() and used in saved configs. */
  abstract get className(): string;

  abstract forward(x: Tensor): Tensor;

  /** Output width for an input width (shape-preserving layers return it unchanged). */
  outputDim(inputDim: number): number {
    return inputDim;
  }

  /** Creates the parameters for the given input width; returns the output width. */
  build(inputDim: number, _ctx: BuildContext): number {
    this.inputDim = inputDim;
    return this.outputDim(inputDim);
  }

  get built(): boolean {
    return this.inputDim !== null;
  }

  /** The layer's own parameters by short name (kernel, bias). */
  ownParameters(): Array<[string, Tensor]> {
    return [];
  }

  /**
   * The layer's own state that is saved but not trained (BatchNormalization's moving mean and
   * variance; Keras's non-trainable weights), by short name.
   */
  ownBuffers(): Array<[string, Tensor]> {
    return [];
  }

  /** Sub-modules (Sequential's layers). */
  children(): Module[] {
    return [];
  }

  /** Every parameter with a path name such as `dense_1/kernel`. */
  namedParameters(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = this.ownParameters().map(([n, t]) => [
      this.name ? `${this.name}/${n}` : n,
      t,
    ]);
    for (const c of this.children()) out.push(...c.namedParameters());
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /**
   * Every weight, trainable or not, with its path name, in Keras's order (each layer's parameters,
   * then its buffers): what save, load, export and getWeights go through.
   */
  namedWeights(): Array<[string, Tensor]> {
    const prefix = (n: string) => (this.name ? `${this.name}/${n}` : n);
    const out: Array<[string, Tensor]> = [...this.ownParameters(), ...this.ownBuffers()].map(([n, t]) => [
      prefix(n),
      t,
    ]);
    for (const c of this.children()) out.push(...c.namedWeights());
    return out;
  }

  /** Values in the buffers (not trained). */
  bufferCount(): number {
    let n = 0;
    for (const [, t] of this.namedWeights()) n += t.size;
    return n - this.parameterCount();
  }

  parameterCount(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return n;
  }

  /** Training mode (dropout active) or, with false, evaluation mode. Applies to sub-modules. */
  train(mode = true): this {
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  abstract config(): LayerConfig;
}
