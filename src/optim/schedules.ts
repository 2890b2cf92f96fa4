import { checkOptions, knownOptions } from '../options.js';

/**
 * A learning rate that changes with the optimizer's step, accepted wherever a learning rate is
 * (`new Adam({ learningRate: new CosineDecay({ ... }) })`). As in Keras, the optimizer asks for the
 * rate at `iterations`, the number of steps taken before this one: the first update uses at(0).
 */
export abstract class LearningRateSchedule {
  /** The learning rate of the update that follows `step` earlier updates. */
  abstract at(step: number): number;

  abstract get name(): string;
}

function finite(who: string, what: string, v: unknown, min: number, strict = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
    throw new Error(
      `${who}: ${what} must be a finite number ${strict ? '>' : '>='} ${min}, got ${String(v)}`,
    );
  }
  return v;
}

export interface ExponentialDecayOptions {
  initialLearningRate: number;
  /** Steps over which the rate is multiplied by decayRate once. */
  decaySteps: number;
  decayRate: number;
  /** Decay in whole steps of decaySteps (floor(step / decaySteps)): step decay. Default false. */
  staircase?: boolean;
}

const EXPONENTIAL_OPTIONS = knownOptions<ExponentialDecayOptions>({
  initialLearningRate: true,
  decaySteps: true,
  decayRate: true,
  staircase: true,
});

/** Keras's ExponentialDecay: initialLearningRate * decayRate ^ (step / decaySteps). */
export class ExponentialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(options: ExponentialDecayOptions) {
    super();
    const o = checkOptions('ExponentialDecay', options, EXPONENTIAL_OPTIONS);
    this.initialLearningRate = finite('ExponentialDecay', 'initialLearningRate', o.initialLearningRate, 0);
    this.decaySteps = finite('ExponentialDecay', 'decaySteps', o.decaySteps, 0, true);
    this.decayRate = finite('ExponentialDecay', 'decayRate', o.decayRate, 0, true);
    this.staircase = o.staircase ?? false;
  }

  get name(): string {
    return 'ExponentialDecay';
  }

  at(step: number): number {
    const p = step / this.decaySteps;
    return this.initialLearningRate * this.decayRate ** (this.staircase ? Math.floor(p) : p);
  }
}

export interface CosineDecayOptions {
  initialLearningRate: number;
  /** Steps of the cosine decay (after any warmup). */
  decaySteps: number;
  /** The rate's floor as a share of where the decay starts. Default 0. */
  alpha?: number;
  /** Rate reached by a linear warmup from initialLearningRate; no warmup when absent. */
  warmupTarget?: number;
  /** Steps of that warmup. Default 0. */
  warmupSteps?: number;
}

const COSINE_OPTIONS = knownOptions<CosineDecayOptions>({
  initialLearningRate: true,
  decaySteps: true,
  alpha: true,
  warmupTarget: true,
  warmupSteps: true,
});

/**
 * Keras's CosineDecay: from a start rate to alpha times it over decaySteps along half a cosine,
 * start * ((1 - alpha) * (1 + cos(pi * step / decaySteps)) / 2 + alpha), then constant. With a
 * warmupTarget, the rate first rises linearly from initialLearningRate to it over warmupSteps, and
 * the decay starts from warmupTarget.
 */
export class CosineDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;

  constructor(options: CosineDecayOptions) {
    super();
    const o = checkOptions('CosineDecay', options, COSINE_OPTIONS);
    this.initialLearningRate = finite('CosineDecay', 'initialLearningRate', o.initialLearningRate, 0);
    this.decaySteps = finite('CosineDecay', 'decaySteps', o.decaySteps, 0, true);
    this.alpha = finite('CosineDecay', 'alpha', o.alpha ?? 0, 0);
    this.warmupTarget =
      o.warmupTarget === undefined ? null : finite('CosineDecay', 'warmupTarget', o.warmupTarget, 0);
    this.warmupSteps = finite('CosineDecay', 'warmupSteps', o.warmupSteps ?? 0, 0);
  }

  get name(): string {
    return 'CosineDecay';
  }

  private decay(step: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos((Math.PI * step) / this.decaySteps));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  at(step: number): number {
    if (this.warmupTarget === null)
      return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps) {
      return (
        this.initialLearningRate + (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps)
      );
    }
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }
}

export interface PiecewiseConstantDecayOptions {
  /** Steps where the rate changes, strictly increasing. */
  boundaries: readonly number[];
  /** One more rate than boundaries: values[0] up to boundaries[0], ..., the last after the last. */
  values: readonly number[];
}

const PIECEWISE_OPTIONS = knownOptions<PiecewiseConstantDecayOptions>({ boundaries: true, values: true });

/**
 * Keras's PiecewiseConstantDecay: values[0] while step <= boundaries[0], values[i] while
 * boundaries[i-1] < step <= boundaries[i], the last value after the last boundary.
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly boundaries: readonly number[];
  readonly values: readonly number[];

  constructor(options: PiecewiseConstantDecayOptions) {
    super();
    const o = checkOptions('PiecewiseConstantDecay', options, PIECEWISE_OPTIONS);
    const { boundaries, values } = o;
    if (!Array.isArray(boundaries) || !Array.isArray(values)) {
      throw new Error('PiecewiseConstantDecay: boundaries and values must be arrays of numbers');
    }
    if (values.length !== boundaries.length + 1) {
      throw new Error(
        `PiecewiseConstantDecay: values needs one more entry than boundaries, got ${values.length} values for ${boundaries.length} boundaries`,
      );
    }
    boundaries.forEach((b, i) => {
      finite('PiecewiseConstantDecay', `boundaries[${i}]`, b, 0);
      if (i > 0 && !(b > boundaries[i - 1])) {
        throw new Error(
          `PiecewiseConstantDecay: boundaries must increase strictly, got ${boundaries[i - 1]} then ${b}`,
        );
      }
    });
    values.forEach((v, i) => {
      finite('PiecewiseConstantDecay', `values[${i}]`, v, 0);
    });
    this.boundaries = [...boundaries];
    this.values = [...values];
  }

  get name(): string {
    return 'PiecewiseConstantDecay';
  }

  at(step: number): number {
    let i = 0;
    while (i < this.boundaries.length && step > this.boundaries[i]) i++;
    return this.values[i];
  }
}
