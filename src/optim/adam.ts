import type { FloatArray } from '../tensor.js';
import { checkNonNegative, checkUnit, Optimizer, type OptimizerOptions } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam as Keras computes it (defaults lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7):
 *   m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g^2,
 *   p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon).
 * The bias correction is folded into the step size, so epsilon is added to sqrt(v) uncorrected
 * (Keras's and the paper's "epsilon hat"); PyTorch adds it to sqrt(v / (1 - beta2^t)) instead.
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected m: FloatArray[] = [];
  protected v: FloatArray[] = [];

  constructor(options: AdamOptions = {}) {
    super(options, 0.001);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    checkUnit(this.name, 'beta1', this.beta1);
    checkUnit(this.name, 'beta2', this.beta2);
    checkNonNegative(this.name, 'epsilon', this.epsilon);
  }

  get name(): string {
    return 'Adam';
  }

  protected resetState(): void {
    this.m = this.slots();
    this.v = this.slots();
  }

  protected update(i: number, p: FloatArray, g: FloatArray, t: number): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const alpha = (this.lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    const m = this.m[i];
    const v = this.v[i];
    for (let j = 0; j < p.length; j++) {
      const gj = g[j];
      const mj = b1 * m[j] + (1 - b1) * gj;
      const vj = b2 * v[j] + (1 - b2) * gj * gj;
      m[j] = mj;
      v[j] = vj;
      p[j] -= (alpha * mj) / (Math.sqrt(vj) + eps);
    }
  }
}
