import { knownOptions, mergeOptions } from '../options.js';
import type { FloatArray } from '../tensor.js';
import { checkNonNegative, checkUnit, Optimizer, type OptimizerOptions } from './optimizer.js';

export interface SGDOptions extends OptimizerOptions {
  momentum?: number;
  nesterov?: boolean;
  /** L2 weight decay added to the gradient (g + wd * p), as in PyTorch's SGD. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent, in Keras's form: v = momentum * v - lr * g, then p += v, or with
 * Nesterov p += momentum * v - lr * g. Default lr 0.01 as in Keras.
 */
export class SGD extends Optimizer {
  static override readonly optionKeys = mergeOptions(
    Optimizer.optionKeys,
    knownOptions<Omit<SGDOptions, keyof OptimizerOptions>>({
      momentum: true,
      nesterov: true,
      weightDecay: true,
    }),
  );
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private velocity: FloatArray[] = [];

  constructor(options: SGDOptions = {}) {
    super(options, 0.01);
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    checkUnit('SGD', 'momentum', this.momentum);
    checkNonNegative('SGD', 'weightDecay', this.weightDecay);
    if (this.nesterov && this.momentum === 0) throw new Error('SGD: nesterov needs a momentum > 0');
  }

  get name(): string {
    return 'SGD';
  }

  protected resetState(): void {
    this.velocity = this.momentum > 0 ? this.slots() : [];
  }

  protected update(i: number, p: FloatArray, g: FloatArray): void {
    const { lr, momentum, weightDecay: wd } = this;
    const n = p.length;
    if (momentum === 0) {
      for (let j = 0; j < n; j++) p[j] -= lr * (g[j] + wd * p[j]);
      return;
    }
    const v = this.velocity[i];
    if (this.nesterov) {
      for (let j = 0; j < n; j++) {
        const gj = g[j] + wd * p[j];
        const vj = momentum * v[j] - lr * gj;
        v[j] = vj;
        p[j] += momentum * vj - lr * gj;
      }
    } else {
      for (let j = 0; j < n; j++) {
        const vj = momentum * v[j] - lr * (g[j] + wd * p[j]);
        v[j] = vj;
        p[j] += vj;
      }
    }
  }
}
