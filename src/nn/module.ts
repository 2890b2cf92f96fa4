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

/** A layer's output with the mask of its time steps ([batch, steps], 0 = padding), or null. */
export interface MaskedOutput {
  output: Tensor;
  mask: Tensor | null;
}

/**
 * The base of every layer: its parameters (named, for save and export), a train / eval mode, and a
 * build step that creates the parameters once the input width is known. Layers work on
 * [batch, ...example] tensors: [batch, features] rows, [batch, steps, features] sequences or
 * [batch, steps] token ids; a layer of rows applied to a sequence acts on its last axis.
 *
 * Sequence layers pass a mask of padded steps along, as Keras does: a layer that makes one
 * (Embedding with maskZero, Masking) returns it with its output, the next ones take it into
 * account (recurrent layers skip masked steps, pooling ignores them) and pass it on as long as the
 * output still has a time axis. A layer that cannot honour a mask refuses it.
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

  /**
   * The shape of one example's output for one example's input shape (without the batch axis).
   * Default: the last axis mapped by outputDim, the others kept.
   */
  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape.slice(0, -1), this.outputDim(inputShape[inputShape.length - 1])];
  }

  /** Builds for one example's input shape; returns the output shape. Default: build on the last axis. */
  buildShape(inputShape: readonly number[], ctx: BuildContext): number[] {
    return [...inputShape.slice(0, -1), this.build(inputShape[inputShape.length - 1], ctx)];
  }

  /** The input shape given at construction (inputShape, inputDim), or null. */
  declaredInputShape(): number[] | null {
    return null;
  }

  /** Keras's supports_masking: this layer takes a mask of steps and passes it on. Default false. */
  get supportsMasking(): boolean {
    return false;
  }

  /**
   * forward with the mask of the input's steps; returns the output and its mask. Default: the mask
   * passes through a layer that supports masking, and is refused by one that does not.
   */
  forwardMasked(x: Tensor, mask: Tensor | null): MaskedOutput {
    if (mask !== null && !this.supportsMasking) {
      throw new Error(
        `${this.className} '${this.name}' does not support masking, but the layers before it pass a mask of padded steps (from Embedding with maskZero or Masking); put a layer that consumes the mask (a recurrent layer, or global pooling) before it`,
      );
    }
    return { output: this.forward(x), mask };
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
