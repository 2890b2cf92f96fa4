import { gather } from '../ops/gather.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator } from '../random.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { initUniform } from './initializers.js';
import { type BuildContext, type LayerConfig, type MaskedOutput, Module } from './module.js';

export interface EmbeddingOptions {
  /** Id 0 is padding: the layer passes a mask of the steps whose id is not 0 (Keras's mask_zero). */
  maskZero?: boolean;
  /** The number of steps of every input, when this is the first layer (Keras's input_length). */
  inputLength?: number;
  /** Half-width of the uniform initial values (Keras: RandomUniform(-0.05, 0.05)). */
  initialRange?: number;
  name?: string;
}

const EMBEDDING_OPTIONS = knownOptions<EmbeddingOptions>({
  maskZero: true,
  inputLength: true,
  initialRange: true,
  name: true,
});

/**
 * Keras's Embedding: token ids [batch, steps] (whole numbers from 0 to inputDim - 1, stored as
 * floats) to vectors [batch, steps, outputDim], by a lookup in a trainable table [inputDim,
 * outputDim] (the gather op; its gradient is added back into the rows that were read). With
 * maskZero, id 0 stands for padding and the steps that hold it are masked for the next layers.
 */
export class Embedding extends Module {
  readonly vocabulary: number;
  readonly units: number;
  readonly maskZero: boolean;
  readonly inputLength: number | null;
  readonly initialRange: number;
  embeddings: Tensor | null = null;

  /** inputDim: the number of distinct ids (with 0 when maskZero); outputDim: the vector size. */
  constructor(inputDim: number, outputDim: number, options: EmbeddingOptions = {}) {
    super(checkOptions('Embedding', options, EMBEDDING_OPTIONS).name);
    for (const [what, v] of [
      ['inputDim', inputDim],
      ['outputDim', outputDim],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0)
        throw new Error(`Embedding: ${what} must be a positive integer, got ${v}`);
    }
    const { maskZero = false, inputLength, initialRange = 0.05 } = options;
    if (typeof maskZero !== 'boolean')
      throw new Error(`Embedding: maskZero must be true or false, got ${maskZero}`);
    if (inputLength !== undefined && (!Number.isInteger(inputLength) || inputLength <= 0)) {
      throw new Error(`Embedding: inputLength must be a positive integer, got ${inputLength}`);
    }
    if (!(initialRange > 0) || !Number.isFinite(initialRange)) {
      throw new Error(`Embedding: initialRange must be a positive number, got ${initialRange}`);
    }
    if (maskZero && inputDim < 2) {
      throw new Error('Embedding: with maskZero, id 0 is padding, so inputDim must be at least 2');
    }
    this.vocabulary = inputDim;
    this.units = outputDim;
    this.maskZero = maskZero;
    this.inputLength = inputLength ?? null;
    this.initialRange = initialRange;
  }

  get className(): string {
    return 'Embedding';
  }

  override declaredInputShape(): number[] | null {
    return this.inputLength === null ? null : [this.inputLength];
  }

  override outputDim(): number {
    return this.units;
  }

  /** [steps] ids per example become [steps, outputDim]. */
  override outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape, this.units];
  }

  override buildShape(inputShape: readonly number[], ctx: BuildContext): number[] {
    if (this.inputLength !== null && (inputShape.length !== 1 || inputShape[0] !== this.inputLength)) {
      throw new Error(
        `Embedding '${this.name}': declared inputLength ${this.inputLength} but built for examples of shape ${formatShape(inputShape)}`,
      );
    }
    this.build(inputShape[inputShape.length - 1], ctx);
    return this.outputShape(inputShape);
  }

  override build(inputDim: number, ctx: BuildContext): number {
    const r = this.initialRange;
    const table = initUniform(this.vocabulary * this.units, -r, r, ctx.generator, ctx.dtype);
    this.embeddings = new Tensor(table, [this.vocabulary, this.units], true);
    this.inputDim = inputDim;
    return this.units;
  }

  override ownParameters(): Array<[string, Tensor]> {
    return this.embeddings ? [['embeddings', this.embeddings]] : [];
  }

  override get supportsMasking(): boolean {
    return true;
  }

  forward(x: Tensor): Tensor {
    return this.forwardMasked(x, null).output;
  }

  override forwardMasked(x: Tensor, _mask: Tensor | null): MaskedOutput {
    if (x.ndim < 2) {
      throw new Error(
        `Embedding '${this.name}': input must be ids [batch, steps], got ${formatShape(x.shape)}`,
      );
    }
    if (this.embeddings === null) {
      this.buildShape(x.shape.slice(1), { generator: defaultGenerator(), dtype: x.dtype });
    }
    this.checkIds(x);
    const output = gather(this.embeddings as Tensor, x, 0);
    if (!this.maskZero) return { output, mask: null };
    const mask = alloc(x.dtype, x.size);
    for (let i = 0; i < x.size; i++) mask[i] = x.data[i] === 0 ? 0 : 1;
    return { output, mask: new Tensor(mask, x.shape) };
  }

  /** Ids must be whole numbers below inputDim: name the first that is not, where it is. */
  private checkIds(x: Tensor): void {
    const [, steps] = x.shape;
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= this.vocabulary) {
        const at = x.ndim === 2 ? `example ${Math.floor(i / steps)}, step ${i % steps}` : `position ${i}`;
        throw new Error(
          `Embedding '${this.name}': id ${v} at ${at} is not a whole number from 0 to ${this.vocabulary - 1} (inputDim ${this.vocabulary})`,
        );
      }
    }
  }

  config(): LayerConfig {
    return {
      type: 'Embedding',
      name: this.name,
      inputDim: this.vocabulary,
      outputDim: this.units,
      maskZero: this.maskZero,
      initialRange: this.initialRange,
      ...(this.inputLength !== null ? { inputLength: this.inputLength } : {}),
    };
  }
}
