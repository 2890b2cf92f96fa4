/**
 * Magnitude pruning of Dense kernels (Zhu & Gupta, "To prune, or not to prune", 2017): the
 * smallest weights by absolute value are set to zero and kept there by a mask, either over all
 * kernels together (global) or within each kernel (per layer), and the share pruned rises during
 * fine-tuning along a cubic schedule so the network can recover as it goes. Biases are not pruned.
 */
import { Dense } from '../nn/dense.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor.js';
import type { Callback } from './callbacks.js';
import type { Model } from './model.js';

export type PruningScope = 'global' | 'perLayer';
export const PRUNING_SCOPES: readonly PruningScope[] = ['global', 'perLayer'];

function checkSparsity(who: string, sparsity: number): void {
  if (!(sparsity >= 0 && sparsity < 1))
    throw new Error(`${who}: sparsity must be in [0, 1), got ${sparsity}`);
}

/** The Dense layers of a built model whose kernels can be pruned, with their names. */
export function prunableLayers(model: Model): Array<{ name: string; kernel: Tensor }> {
  const out: Array<{ name: string; kernel: Tensor }> = [];
  for (const layer of model.layers) {
    if (layer instanceof Dense && layer.kernel !== null) out.push({ name: layer.name, kernel: layer.kernel });
  }
  if (out.length === 0) throw new Error('pruning: the model has no built Dense layer to prune');
  return out;
}

/** Pruned count of `size` weights at `sparsity`: the nearest whole number. */
function prunedCount(size: number, sparsity: number): number {
  return Math.min(size, Math.round(sparsity * size));
}

/**
 * Masks (1 keep, 0 prune) that zero the `sparsity` share of smallest magnitudes: over all weights
 * together ('global', so a layer of small weights loses more of them) or in each array alone
 * ('perLayer'). Exactly round(sparsity * n) weights are pruned per group; ties in magnitude go by
 * position (the earlier weight, in the order the arrays are given, is pruned first).
 */
export function magnitudeMasks(
  weights: readonly ArrayLike<number>[],
  sparsity: number,
  scope: PruningScope = 'global',
): Float32Array[] {
  checkSparsity('magnitudeMasks', sparsity);
  if (!PRUNING_SCOPES.includes(scope)) {
    throw new Error(`magnitudeMasks: scope must be one of ${PRUNING_SCOPES.join(', ')}, got '${scope}'`);
  }
  const masks = weights.map((w) => new Float32Array(w.length).fill(1));
  const groups = scope === 'global' ? [weights.map((_, i) => i)] : weights.map((_, i) => [i]);
  for (const group of groups) {
    // Each weight by (array, index), in one flat numbering for the sort.
    const starts: number[] = [];
    let n = 0;
    for (const i of group) {
      starts.push(n);
      n += weights[i].length;
    }
    const k = prunedCount(n, sparsity);
    if (k === 0) continue;
    const magnitude = new Float64Array(n);
    group.forEach((i, g) => {
      const w = weights[i];
      for (let j = 0; j < w.length; j++) magnitude[starts[g] + j] = Math.abs(w[j]);
    });
    const order = new Int32Array(n);
    for (let j = 0; j < n; j++) order[j] = j;
    order.sort((a, b) => magnitude[a] - magnitude[b] || a - b);
    for (let r = 0; r < k; r++) {
      const flat = order[r];
      let g = group.length - 1;
      while (starts[g] > flat) g--;
      masks[group[g]][flat - starts[g]] = 0;
    }
  }
  return masks;
}

export interface PolynomialSparsityOptions {
  /** The sparsity reached at `endStep` and kept after it, in [0, 1). */
  target: number;
  /** The sparsity at `beginStep`; default 0. */
  initial?: number;
  beginStep?: number;
  endStep: number;
  /** Default 3, the cubic schedule: pruning fast at first, while many redundant weights remain. */
  power?: number;
}

/**
 * s(t) = s_f + (s_i - s_f) (1 - (t - t0) / (t1 - t0))^power for t0 <= t <= t1, s_i before and s_f
 * after (Zhu & Gupta's gradual schedule).
 */
export function polynomialSparsity(step: number, o: PolynomialSparsityOptions): number {
  const { target, initial = 0, beginStep = 0, endStep, power = 3 } = o;
  checkSparsity('polynomialSparsity', target);
  checkSparsity('polynomialSparsity', initial);
  if (!(endStep >= beginStep)) {
    throw new Error(`polynomialSparsity: endStep (${endStep}) must be >= beginStep (${beginStep})`);
  }
  if (step <= beginStep) return step < beginStep || endStep > beginStep ? initial : target;
  if (step >= endStep) return target;
  const left = 1 - (step - beginStep) / (endStep - beginStep);
  return target + (initial - target) * left ** power;
}

export interface LayerSparsity {
  name: string;
  size: number;
  zeros: number;
  sparsity: number;
}

/** Zeros in each Dense kernel and over all of them (exact zeros, whatever made them). */
export function kernelSparsity(model: Model): { layers: LayerSparsity[]; total: LayerSparsity } {
  const layers = prunableLayers(model).map(({ name, kernel }) => {
    let zeros = 0;
    for (const v of kernel.data) if (v === 0) zeros++;
    return { name, size: kernel.size, zeros, sparsity: zeros / kernel.size };
  });
  const size = layers.reduce((s, l) => s + l.size, 0);
  const zeros = layers.reduce((s, l) => s + l.zeros, 0);
  return { layers, total: { name: 'all', size, zeros, sparsity: zeros / size } };
}

/**
 * Prunes a model's Dense kernels once, to `sparsity`, and returns the masks (one per prunable
 * layer). With an optimizer, the masks are also set on it so later steps keep the zeros.
 */
export function pruneByMagnitude(
  model: Model,
  sparsity: number,
  scope: PruningScope = 'global',
  optimizer: Optimizer | null = model.optimizer,
): Float32Array[] {
  const layers = prunableLayers(model);
  const masks = magnitudeMasks(
    layers.map((l) => l.kernel.data),
    sparsity,
    scope,
  );
  layers.forEach(({ kernel }, i) => {
    const w = kernel.data;
    const m = masks[i];
    for (let j = 0; j < w.length; j++) if (m[j] === 0) w[j] = 0;
    optimizer?.setMask(kernel, m);
  });
  return masks;
}

export interface MagnitudePruningOptions {
  /** The final sparsity, in [0, 1). */
  sparsity: number;
  scope?: PruningScope;
  /** Optimizer steps (batches) of the fit at which pruning starts; default 0. */
  beginStep?: number;
  /** The step at which the final sparsity is reached; the masks are fixed after it. */
  endStep: number;
  /** Masks are recomputed by magnitude every this many steps; default 100. */
  frequency?: number;
  power?: number;
  /**
   * Weights already exactly zero when fit begins stay zero (default true): an averaged ensemble's
   * block-diagonal kernels keep their structure instead of regrowing while the schedule is low.
   */
  keepZeros?: boolean;
}

/**
 * The callback of gradual pruning during fit: from beginStep to endStep, every `frequency` steps,
 * the masks are recomputed by magnitude at the schedule's sparsity and set on the optimizer, which
 * keeps the pruned weights at exactly zero after every update (Adam's moments included). Pruned
 * weights are zero, so they stay the smallest and are never brought back while the sparsity rises.
 * The masks stay on the optimizer after fit; `release()` removes them.
 */
export class MagnitudePruning implements Callback {
  readonly sparsity: number;
  readonly scope: PruningScope;
  readonly beginStep: number;
  readonly endStep: number;
  readonly frequency: number;
  readonly power: number;
  readonly keepZeros: boolean;
  /** Optimizer steps seen so far, and the sparsity of the masks now in force. */
  step = 0;
  current = 0;
  private model: Model | null = null;
  private zerosAtStart: Float32Array[] | null = null;

  constructor(options: MagnitudePruningOptions) {
    const {
      sparsity,
      scope = 'global',
      beginStep = 0,
      endStep,
      frequency = 100,
      power = 3,
      keepZeros = true,
    } = options;
    checkSparsity('MagnitudePruning', sparsity);
    if (!PRUNING_SCOPES.includes(scope)) {
      throw new Error(`MagnitudePruning: scope must be one of ${PRUNING_SCOPES.join(', ')}, got '${scope}'`);
    }
    if (!Number.isInteger(beginStep) || beginStep < 0 || !Number.isInteger(endStep) || endStep < beginStep) {
      throw new Error(
        `MagnitudePruning: need whole steps 0 <= beginStep <= endStep, got ${beginStep} and ${endStep}`,
      );
    }
    if (!Number.isInteger(frequency) || frequency < 1) {
      throw new Error(`MagnitudePruning: frequency must be a positive integer, got ${frequency}`);
    }
    this.sparsity = sparsity;
    this.scope = scope;
    this.beginStep = beginStep;
    this.endStep = endStep;
    this.frequency = frequency;
    this.power = power;
    this.keepZeros = keepZeros;
  }

  setModel(model: Model): void {
    this.model = model;
  }

  /** The schedule's sparsity at a step. */
  at(step: number): number {
    return polynomialSparsity(step, {
      target: this.sparsity,
      beginStep: this.beginStep,
      endStep: this.endStep,
      power: this.power,
    });
  }

  private prune(sparsity: number): void {
    const model = this.model;
    if (model === null) throw new Error('MagnitudePruning: use it as a callback of fit');
    const masks = pruneByMagnitude(model, sparsity, this.scope, model.optimizer);
    if (this.zerosAtStart) {
      for (let i = 0; i < masks.length; i++) {
        const keep = this.zerosAtStart[i];
        for (let j = 0; j < keep.length; j++) if (keep[j] === 0) masks[i][j] = 0;
      }
    }
    this.current = sparsity;
  }

  onTrainBegin(): void {
    this.step = 0;
    this.zerosAtStart = null;
    if (this.keepZeros && this.model) {
      this.zerosAtStart = prunableLayers(this.model).map(({ kernel }) =>
        Float32Array.from(kernel.data, (v) => (v === 0 ? 0 : 1)),
      );
    }
    this.prune(this.at(0));
  }

  onBatchEnd(): void {
    const t = ++this.step;
    if (t < this.beginStep || (t > this.endStep && this.current === this.sparsity)) return;
    if ((t - this.beginStep) % this.frequency === 0 || t >= this.endStep) {
      const s = this.at(t);
      if (s !== this.current) this.prune(s);
    }
  }

  /** fit may end before endStep (few epochs, early stopping): the model ends at the target anyway. */
  onTrainEnd(): void {
    if (this.current !== this.sparsity) this.prune(this.sparsity);
  }

  /** Takes the masks off the optimizer (the pruned weights stay zero until trained again). */
  release(): void {
    const model = this.model;
    if (model?.optimizer)
      for (const { kernel } of prunableLayers(model)) model.optimizer.setMask(kernel, null);
  }
}
