import { gather } from '../ops/gather.js';
import { concat } from '../ops/join.js';
import { reshape } from '../ops/shape.js';
import { narrow } from '../ops/slice.js';
import { where } from '../ops/where.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator } from '../random.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { initUniform } from './initializers.js';
import { type BuildContext, type LayerConfig, type MaskedOutput, Module } from './module.js';

export interface FeatureEmbeddingOptions {
  /** The vector size of each categorical feature. Default 8. */
  outputDim?: number;
  /** Half-width of the uniform initial values (as Embedding's). Default 0.05. */
  initialRange?: number;
  name?: string;
}

const FEATURE_EMBEDDING_OPTIONS = knownOptions<FeatureEmbeddingOptions>({
  outputDim: true,
  initialRange: true,
  name: true,
});

/**
 * The first layer of a model of event sequences with mixed features. Each step of the input
 * [batch, steps, 1 + k + n] holds a presence flag (1: an event, 0: padding), then the codes of k
 * categorical features (whole numbers, 0 to vocabularies[j] - 1), then n numbers. Each code is
 * looked up in its own rows of one trainable table (as k Embedding layers would, with outputDim
 * each), the numbers pass through, and the step's output is [k * outputDim + n] values: zeros at
 * padded steps, whose mask goes on to the next layers.
 *
 * Its gradient is that of the ops it is made of (gather, concat, where): the table's rows that were
 * read receive their steps' gradients, added up.
 */
export class FeatureEmbedding extends Module {
  readonly vocabularies: number[];
  readonly numbers: number;
  readonly units: number;
  readonly initialRange: number;
  /** The first row of each feature's block in the table. */
  private readonly offsets: number[];
  embeddings: Tensor | null = null;

  constructor(vocabularies: readonly number[], numbers: number, options: FeatureEmbeddingOptions = {}) {
    super(checkOptions('FeatureEmbedding', options, FEATURE_EMBEDDING_OPTIONS).name);
    if (!Array.isArray(vocabularies) || !vocabularies.every((v) => Number.isInteger(v) && v >= 1)) {
      throw new Error(
        `FeatureEmbedding: vocabularies must be a list of positive integers (codes per categorical feature), got ${JSON.stringify(vocabularies)}`,
      );
    }
    if (!Number.isInteger(numbers) || numbers < 0) {
      throw new Error(`FeatureEmbedding: numbers must be a non-negative integer, got ${numbers}`);
    }
    const { outputDim = 8, initialRange = 0.05 } = options;
    if (!Number.isInteger(outputDim) || outputDim < 1) {
      throw new Error(`FeatureEmbedding: outputDim must be a positive integer, got ${outputDim}`);
    }
    if (!(initialRange > 0) || !Number.isFinite(initialRange)) {
      throw new Error(`FeatureEmbedding: initialRange must be a positive number, got ${initialRange}`);
    }
    if (vocabularies.length === 0 && numbers === 0) {
      throw new Error('FeatureEmbedding: there must be at least one categorical or numeric feature');
    }
    this.vocabularies = [...vocabularies];
    this.numbers = numbers;
    this.units = outputDim;
    this.initialRange = initialRange;
    this.offsets = [];
    let o = 0;
    for (const v of vocabularies) {
      this.offsets.push(o);
      o += v;
    }
  }

  get className(): string {
    return 'FeatureEmbedding';
  }

  /** Channels of one input step: the presence flag, the codes, the numbers. */
  get channels(): number {
    return 1 + this.vocabularies.length + this.numbers;
  }

  override outputDim(): number {
    return this.vocabularies.length * this.units + this.numbers;
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return [inputShape[0], this.outputDim()];
  }

  override buildShape(inputShape: readonly number[], ctx: BuildContext): number[] {
    if (inputShape.length !== 2 || inputShape[1] !== this.channels) {
      throw new Error(
        `FeatureEmbedding '${this.name}': examples must be [steps, ${this.channels}] (presence, ${this.vocabularies.length} codes, ${this.numbers} numbers), got ${formatShape(inputShape)}`,
      );
    }
    this.build(inputShape[1], ctx);
    return this.outputShape(inputShape);
  }

  override build(inputDim: number, ctx: BuildContext): number {
    const rows = this.vocabularies.reduce((t, v) => t + v, 0);
    const r = this.initialRange;
    // A table with no categorical feature still has one row, so the layer always has its parameter.
    const table = initUniform(Math.max(1, rows) * this.units, -r, r, ctx.generator, ctx.dtype);
    this.embeddings = new Tensor(table, [Math.max(1, rows), this.units], true);
    this.inputDim = inputDim;
    return this.outputDim();
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

  override forwardMasked(x: Tensor, mask: Tensor | null): MaskedOutput {
    if (x.ndim !== 3 || x.shape[2] !== this.channels) {
      throw new Error(
        `FeatureEmbedding '${this.name}': input must be [batch, steps, ${this.channels}], got ${formatShape(x.shape)}`,
      );
    }
    if (this.embeddings === null) {
      this.buildShape(x.shape.slice(1), { generator: defaultGenerator(), dtype: x.dtype });
    }
    const [B, T, C] = x.shape;
    const k = this.vocabularies.length;
    const present = alloc(x.dtype, B * T);
    const ids = alloc(x.dtype, B * T * k);
    for (let s = 0; s < B * T; s++) {
      const flag = x.data[s * C];
      const real = flag !== 0 && (mask === null || mask.data[s] !== 0);
      present[s] = real ? 1 : 0;
      for (let j = 0; j < k; j++) {
        const code = x.data[s * C + 1 + j];
        if (!Number.isInteger(code) || code < 0 || code >= this.vocabularies[j]) {
          throw new Error(
            `FeatureEmbedding '${this.name}': code ${code} of feature ${j} at example ${Math.floor(s / T)}, step ${s % T} is not a whole number from 0 to ${this.vocabularies[j] - 1}`,
          );
        }
        ids[s * k + j] = real ? this.offsets[j] + code : this.offsets[j];
      }
    }
    const parts: Tensor[] = [];
    if (k > 0) {
      const looked = gather(this.embeddings as Tensor, new Tensor(ids, [B, T, k]), 0);
      parts.push(reshape(looked, [B, T, k * this.units]));
    }
    if (this.numbers > 0) parts.push(narrow(x, 2, 1 + k, this.numbers));
    const joined = parts.length === 1 ? parts[0] : concat(parts, 2);
    const m = new Tensor(present, [B, T]);
    return { output: where(reshape(m, [B, T, 1]), joined, 0), mask: m };
  }

  config(): LayerConfig {
    return {
      type: 'FeatureEmbedding',
      name: this.name,
      vocabularies: [...this.vocabularies],
      numbers: this.numbers,
      outputDim: this.units,
      initialRange: this.initialRange,
    };
  }
}
