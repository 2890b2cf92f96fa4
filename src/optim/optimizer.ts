import { noGrad } from '../autograd.js';
import { recycle } from '../buffer-pool.js';
import { checkOptions, type KnownOptions, knownOptions } from '../options.js';
import { alloc, type FloatArray, type Tensor } from '../tensor.js';
import { LearningRateSchedule } from './schedules.js';

export interface OptimizerOptions {
  /** Learning rate (Keras: learning_rate): a number, or a schedule such as new CosineDecay({ ... }). */
  lr?: number | LearningRateSchedule;
  /** Alias of lr. */
  learningRate?: number | LearningRateSchedule;
  /** Scale each parameter's gradient down to this L2 norm when it is longer (Keras's clipnorm). */
  clipNorm?: number;
  /** Scale all gradients together down to this global L2 norm (Keras's global_clipnorm). */
  globalClipNorm?: number;
  /** Clip every gradient element to [-clipValue, clipValue] (Keras's clipvalue). */
  clipValue?: number;
}

type Clipping = { kind: 'norm' | 'globalNorm' | 'value'; limit: number } | null;

/**
 * An update rule over a list of parameters. Updates run in place on the parameters' flat arrays,
 * without recording a graph; the per-parameter state (moments, velocities) is allocated once.
 * `zeroGrad` zeroes the gradient buffers instead of dropping them, so backward accumulates into
 * the same arrays every step; `releaseGrads` drops them into the step buffer pool (what `Model.fit`
 * does, its gradients being its own). Gradient clipping, when set, rewrites the gradient buffers in place
 * before the update (as PyTorch's clip_grad_norm_ does).
 */
export abstract class Optimizer {
  /**
   * The option keys of this class's constructor. The base constructor checks the options against
   * the list of the class actually constructed (new.target), so AdamW's weightDecay passes through
   * Adam's constructor. A subclass that declares none is not checked.
   */
  static readonly optionKeys: KnownOptions = knownOptions<OptimizerOptions>({
    lr: true,
    learningRate: true,
    clipNorm: true,
    globalClipNorm: true,
    clipValue: true,
  });

  /** The schedule the learning rate follows, or null for a fixed rate. */
  readonly schedule: LearningRateSchedule | null;
  /** Steps taken so far (Keras: iterations). */
  iterations = 0;
  protected params: Tensor[] = [];
  private rate: number;
  private readonly clipping: Clipping;

  constructor(options: OptimizerOptions, defaultLr: number) {
    const cls = new.target as unknown as typeof Optimizer;
    if (Object.hasOwn(cls, 'optionKeys')) checkOptions(cls.name, options, cls.optionKeys);
    const who = this.constructor.name;
    const lr = options.lr ?? options.learningRate ?? defaultLr;
    if (lr instanceof LearningRateSchedule) {
      this.schedule = lr;
      this.rate = lr.at(0);
    } else {
      if (typeof lr !== 'number' || !(lr >= 0) || !Number.isFinite(lr)) {
        throw new Error(
          `${who}: lr must be a finite number >= 0, got ${String(lr)} (or a LearningRateSchedule: ExponentialDecay, CosineDecay, PiecewiseConstantDecay)`,
        );
      }
      this.schedule = null;
      this.rate = lr;
    }
    this.clipping = clippingOf(who, options);
  }

  abstract get name(): string;

  /**
   * The learning rate of the next update (with a schedule: its value at `iterations`). Setting it
   * is refused when a schedule drives it, as in Keras.
   */
  get lr(): number {
    return this.rate;
  }

  set lr(value: number) {
    if (this.schedule !== null) {
      throw new Error(
        `${this.name}: the learning rate follows a ${this.schedule.name} schedule and cannot be set; create the optimizer with a number to change it during training`,
      );
    }
    checkNonNegative(this.name, 'lr', value);
    this.rate = value;
  }

  /** Keras's and TF.js's name for lr. */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    this.lr = value;
  }

  /** Attaches the parameters to update (compile does this); resets the state. */
  setParameters(params: Iterable<Tensor>): this {
    this.params = [...params];
    this.iterations = 0;
    if (this.schedule) this.rate = this.schedule.at(0);
    this.resetState();
    return this;
  }

  parameters(): readonly Tensor[] {
    return this.params;
  }

  private readonly masks = new Map<Tensor, ArrayLike<number>>();

  /**
   * Keeps the entries of `param` where `mask` is 0 at exactly zero (pruning): each step masks their
   * gradient before the update (so no moment grows from it) and the parameter after it (so a moment
   * left from before the mask cannot move it). null removes the mask.
   */
  setMask(param: Tensor, mask: ArrayLike<number> | null): void {
    if (mask === null) {
      this.masks.delete(param);
      return;
    }
    if (mask.length !== param.size) {
      throw new Error(`${this.name}: a mask of ${mask.length} entries for a parameter of ${param.size}`);
    }
    this.masks.set(param, mask);
  }

  /** The mask set on `param`, or null. */
  maskOf(param: Tensor): ArrayLike<number> | null {
    return this.masks.get(param) ?? null;
  }

  private applyMasks(toGrads: boolean): void {
    for (const [param, mask] of this.masks) {
      const a = toGrads ? param.grad?.data : param.data;
      if (!a) continue;
      for (let j = 0; j < a.length; j++) if (mask[j] === 0) a[j] = 0;
    }
  }

  protected abstract resetState(): void;

  /** Updates parameter i from its gradient; t is the 1-based step number. */
  protected abstract update(i: number, p: FloatArray, g: FloatArray, t: number): void;

  step(): void {
    if (this.schedule) this.rate = this.schedule.at(this.iterations);
    const t = ++this.iterations;
    noGrad(() => {
      if (this.masks.size > 0) this.applyMasks(true);
      this.clipGradients();
      for (let i = 0; i < this.params.length; i++) {
        const p = this.params[i];
        if (p.grad !== null) this.update(i, p.data, p.grad.data, t);
      }
      if (this.masks.size > 0) this.applyMasks(false);
    });
    // The rate the next step will use, so `lr` reads as Keras's learning_rate does between steps.
    if (this.schedule) this.rate = this.schedule.at(this.iterations);
  }

  zeroGrad(): void {
    for (const p of this.params) if (p.grad !== null) p.grad.data.fill(0);
  }

  /**
   * Drops the parameters' gradients (`.grad` becomes null) and gives their arrays to the step
   * buffer pool. For a training loop whose gradients nothing else holds, such as `Model.fit`: the
   * next backward then adopts the gradients it computes as `.grad`, instead of adding them into
   * zeroed arrays (a fill and an add over every parameter per step). Use `zeroGrad` when code may
   * still read the old gradient arrays.
   */
  releaseGrads(): void {
    for (const p of this.params) {
      if (p.grad === null) continue;
      recycle(p.grad.data);
      p.grad = null;
    }
  }

  private clipGradients(): void {
    const c = this.clipping;
    if (c === null) return;
    const grads = this.params.flatMap((p) => (p.grad === null ? [] : [p.grad.data]));
    if (c.kind === 'value') {
      for (const g of grads)
        for (let j = 0; j < g.length; j++) g[j] = Math.min(c.limit, Math.max(-c.limit, g[j]));
      return;
    }
    const squares = grads.map((g) => {
      let s = 0;
      for (let j = 0; j < g.length; j++) s += g[j] * g[j];
      return s;
    });
    const scaleBy = (g: FloatArray, norm: number) => {
      if (norm <= c.limit) return;
      const f = c.limit / norm;
      for (let j = 0; j < g.length; j++) g[j] *= f;
    };
    if (c.kind === 'norm') grads.forEach((g, i) => scaleBy(g, Math.sqrt(squares[i])));
    else {
      const global = Math.sqrt(squares.reduce((a, b) => a + b, 0));
      for (const g of grads) scaleBy(g, global);
    }
  }

  /** A zeroed state buffer per parameter, like the parameter's data. */
  protected slots(): FloatArray[] {
    return this.params.map((p) => alloc(p.dtype, p.size));
  }
}

/** At most one way of clipping, as Keras allows, with a positive finite limit. */
function clippingOf(who: string, options: OptimizerOptions): Clipping {
  const given = (['clipNorm', 'globalClipNorm', 'clipValue'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (given.length > 1) {
    throw new Error(
      `${who}: set only one of clipNorm, globalClipNorm and clipValue (as Keras), got ${given.map((k) => `${k} ${options[k]}`).join(', ')}`,
    );
  }
  if (given.length === 0) return null;
  const key = given[0];
  const limit = options[key] as number;
  if (typeof limit !== 'number' || !(limit > 0) || !Number.isFinite(limit)) {
    throw new Error(`${who}: ${key} must be a finite number > 0, got ${String(limit)}`);
  }
  return { kind: key === 'clipNorm' ? 'norm' : key === 'globalClipNorm' ? 'globalNorm' : 'value', limit };
}

export function checkNonNegative(who: string, what: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v))
    throw new Error(`${who}: ${what} must be a finite number >= 0, got ${v}`);
}

export function checkUnit(who: string, what: string, v: number): void {
  if (!(v >= 0 && v < 1)) throw new Error(`${who}: ${what} must be in [0, 1), got ${v}`);
}
