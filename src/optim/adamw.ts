import { knownOptions, mergeOptions } from '../options.js';
import type { FloatArray } from '../tensor.js';
import { Adam, type AdamOptions } from './adam.js';
import { checkNonNegative } from './optimizer.js';

export interface AdamWOptions extends AdamOptions {
  /** Decoupled decay: p -= lr * weightDecay * p before the Adam step. Keras's default 0.004. */
  weightDecay?: number;
}

/** Adam with decoupled weight decay (Loshchilov and Hutter), applied as Keras's AdamW does. */
export class AdamW extends Adam {
  static override readonly optionKeys = mergeOptions(
    Adam.optionKeys,
    knownOptions<Omit<AdamWOptions, keyof AdamOptions>>({ weightDecay: true }),
  );
  readonly weightDecay: number;

  constructor(options: AdamWOptions = {}) {
    super(options);
    this.weightDecay = options.weightDecay ?? 0.004;
    checkNonNegative('AdamW', 'weightDecay', this.weightDecay);
  }

  override get name(): string {
    return 'AdamW';
  }

  protected override update(i: number, p: FloatArray, g: FloatArray, t: number): void {
    const shrink = 1 - this.lr * this.weightDecay;
    if (shrink !== 1) for (let j = 0; j < p.length; j++) p[j] *= shrink;
    super.update(i, p, g, t);
  }
}
