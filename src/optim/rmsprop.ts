import { knownOptions, mergeOptions } from '../options.js';
import type { FloatArray } from '../tensor.js';
import { checkNonNegative, checkUnit, Optimizer, type OptimizerOptions } from './optimizer.js';

export interface RMSpropOptions extends OptimizerOptions {
  /** Decay of the running mean of squared gradients. Default 0.9. */
  rho?: number;
  /** Plain (not Nesterov) momentum on the scaled step. Default 0. */
  momentum?: number;
  /** Added to the mean square inside the square root. Default 1e-7. */
  epsilon?: number;
  /** Divide by an estimate of the gradient's variance instead of its second moment. Default false. */
  centered?: boolean;
}

/**
 * RMSprop as Keras computes it (defaults lr 0.001, rho 0.9, momentum 0, epsilon 1e-7, not centered):
 *   v = rho v + (1 - rho) g^2;  (centered: a = rho a + (1 - rho) g, and v - a^2 below)
 *   step = lr g / sqrt(v + epsilon);  p -= step, or with momentum m = momentum m + step, p -= m.
 * Epsilon sits inside the square root, as in Keras and TensorFlow (PyTorch adds it outside).
 */
export class RMSprop extends Optimizer {
  static override readonly optionKeys = mergeOptions(
    Optimizer.optionKeys,
    knownOptions<Omit<RMSpropOptions, keyof OptimizerOptions>>({
      rho: true,
      momentum: true,
      epsilon: true,
      centered: true,
    }),
  );
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  private velocity: FloatArray[] = [];
  private moments: FloatArray[] = [];
  private averages: FloatArray[] = [];

  constructor(options: RMSpropOptions = {}) {
    super(options, 0.001);
    this.rho = options.rho ?? 0.9;
    this.momentum = options.momentum ?? 0;
    this.epsilon = options.epsilon ?? 1e-7;
    this.centered = options.centered ?? false;
    checkUnit('RMSprop', 'rho', this.rho);
    checkUnit('RMSprop', 'momentum', this.momentum);
    checkNonNegative('RMSprop', 'epsilon', this.epsilon);
    if (typeof this.centered !== 'boolean') {
      throw new Error(`RMSprop: centered must be true or false, got ${String(this.centered)}`);
    }
  }

  get name(): string {
    return 'RMSprop';
  }

  protected resetState(): void {
    this.velocity = this.slots();
    this.moments = this.momentum > 0 ? this.slots() : [];
    this.averages = this.centered ? this.slots() : [];
  }

  protected update(i: number, p: FloatArray, g: FloatArray): void {
    const { lr, rho, momentum, epsilon, centered } = this;
    const v = this.velocity[i];
    const m = momentum > 0 ? this.moments[i] : null;
    const a = centered ? this.averages[i] : null;
    for (let j = 0; j < p.length; j++) {
      const gj = g[j];
      v[j] = rho * v[j] + (1 - rho) * gj * gj;
      let denominator = v[j] + epsilon;
      if (a) {
        a[j] = rho * a[j] + (1 - rho) * gj;
        denominator -= a[j] * a[j];
      }
      const increment = (lr * gj) / Math.sqrt(denominator);
      if (m) {
        m[j] = momentum * m[j] + increment;
        p[j] -= m[j];
      } else {
        p[j] -= increment;
      }
    }
  }
}
