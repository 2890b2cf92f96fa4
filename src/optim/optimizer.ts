import { noGrad } from '../autograd.js';
import { checkOptions, type KnownOptions, knownOptions } from '../options.js';
import { alloc, type FloatArray, type Tensor } from '../tensor.js';

export interface OptimizerOptions {
  /** Learning rate (Keras: learning_rate). */
  lr?: number;
  /** Alias of lr. */
  learningRate?: number;
}

/**
 * An update rule over a list of parameters. Updates run in place on the parameters' flat arrays,
 * without recording a graph; the per-parameter state (moments, velocities) is allocated once.
 * `zeroGrad` zeroes the gradient buffers instead of dropping them, so backward accumulates into
 * the same arrays every step.
 */
export abstract class Optimizer {
  /**
   * The option keys of this class's constructor. The base constructor checks the options against
   * the list of the class actually constructed (new.target), so AdamW's weightDecay passes through
   * Adam's constructor. A subclass that declares none is not checked.
   */
  static readonly optionKeys: KnownOptions = knownOptions<OptimizerOptions>({ lr: true, learningRate: true });

  lr: number;
  /** Steps taken so far (Keras: iterations). */
  iterations = 0;
  protected params: Tensor[] = [];

  constructor(options: OptimizerOptions, defaultLr: number) {
    const cls = new.target as unknown as typeof Optimizer;
    if (Object.hasOwn(cls, 'optionKeys')) checkOptions(cls.name, options, cls.optionKeys);
    const lr = options.lr ?? options.learningRate ?? defaultLr;
    checkNonNegative(this.constructor.name, 'lr', lr);
    this.lr = lr;
  }

  abstract get name(): string;

  /** Attaches the parameters to update (compile does this); resets the state. */
  setParameters(params: Iterable<Tensor>): this {
    this.params = [...params];
    this.iterations = 0;
    this.resetState();
    return this;
  }

  parameters(): readonly Tensor[] {
    return this.params;
  }

  protected abstract resetState(): void;

  /** Updates parameter i from its gradient; t is the 1-based step number. */
  protected abstract update(i: number, p: FloatArray, g: FloatArray, t: number): void;

  step(): void {
    const t = ++this.iterations;
    noGrad(() => {
      for (let i = 0; i < this.params.length; i++) {
        const p = this.params[i];
        if (p.grad !== null) this.update(i, p.data, p.grad.data, t);
      }
    });
  }

  zeroGrad(): void {
    for (const p of this.params) if (p.grad !== null) p.grad.data.fill(0);
  }

  /** A zeroed state buffer per parameter, like the parameter's data. */
  protected slots(): FloatArray[] {
    return this.params.map((p) => alloc(p.dtype, p.size));
  }
}

export function checkNonNegative(who: string, what: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v))
    throw new Error(`${who}: ${what} must be a finite number >= 0, got ${v}`);
}

export function checkUnit(who: string, what: string, v: number): void {
  if (!(v >= 0 && v < 1)) throw new Error(`${who}: ${what} must be in [0, 1), got ${v}`);
}
