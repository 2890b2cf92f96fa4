import { adamUpdate } from '../kernels/registry.js';
import { knownOptions, mergeOptions } from '../options.js';
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
  static override readonly optionKeys = mergeOptions(
    Optimizer.optionKeys,
    knownOptions<Omit<AdamOptions, keyof OptimizerOptions>>({ beta1: true, beta2: true, epsilon: true }),
  );
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

  /**
   * The update runs through the kernel dispatcher (a provider's kernel or the TypeScript one);
   * `AdamParams` is this same form, so on the TypeScript kernel the result is bit for bit the loop
   * that used to live here.
   */
  protected update(i: number, p: FloatArray, g: FloatArray, t: number): void {
    const hp = { lr: this.lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step: t };
    adamUpdate(p.length, p, g, this.m[i], this.v[i], hp);
  }
}
