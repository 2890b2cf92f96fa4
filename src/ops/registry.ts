import { noGrad } from '../autograd.js';
import { Generator } from '../random.js';
import { formatShape, type Tensor } from '../tensor.js';
import type { Reference } from './references.js';

/**
 * The op database, after PyTorch's OpInfo: every op registers sample inputs beside its definition,
 * the gradient test runs gradcheck on every sample, and the coverage check fails for an exported op
 * that has no samples.
 */

export interface OpSample {
  /** Shown when the sample fails: shapes and options. */
  label: string;
  /** float64 inputs; those with requiresGrad are differentiated. */
  inputs: Tensor[];
  /** Calls the op on (perturbed copies of) the inputs. Must be deterministic. */
  run: (...inputs: Tensor[]) => Tensor;
  /**
   * The forward value in float64, computed apart from the op (./references.ts): the gradcheck suite
   * compares run's value with it, so a wrong forward fails even when its backward matches it.
   * Every registered sample has one (the coverage test checks).
   */
  expected?: (...inputs: Tensor[]) => Reference;
}

export interface OpInfo {
  name: string;
  /** Builds the samples from a seeded generator, so they are the same on every run. */
  samples: (rng: Generator) => OpSample[];
}

const registry = new Map<string, OpInfo>();

export function registerOp(info: OpInfo): void {
  if (registry.has(info.name)) throw new Error(`registerOp: '${info.name}' is registered twice`);
  registry.set(info.name, info);
}

export function unregisterOp(name: string): void {
  registry.delete(name);
}

export function opRegistry(): OpInfo[] {
  return [...registry.values()];
}

export function samplesOf(info: OpInfo, seed = 1): OpSample[] {
  return info.samples(new Generator(seed));
}

/**
 * Names of the given exported ops with no registry entry or no samples. `ops` maps export names to
 * values; only functions count.
 */
export function missingOpEntries(ops: Record<string, unknown>): string[] {
  const missing: string[] = [];
  for (const [name, value] of Object.entries(ops)) {
    if (typeof value !== 'function') continue;
    const info = registry.get(name);
    if (!info || samplesOf(info).length === 0) missing.push(name);
  }
  return missing.sort();
}

/**
 * run's forward value against the sample's reference: shape, and every element within
 * 1e-12 * (1 + |reference|) (float64 formulas that differ only in rounding); the first difference,
 * or null when they agree.
 */
export function forwardMismatch(sample: OpSample): string | null {
  if (!sample.expected) return 'the sample has no forward reference';
  const got = noGrad(() => sample.run(...sample.inputs));
  const want = sample.expected(...sample.inputs);
  if (got.ndim !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    return `forward shape ${formatShape(got.shape)}, reference ${formatShape(want.shape)}`;
  }
  for (let i = 0; i < want.data.length; i++) {
    if (!(Math.abs(got.data[i] - want.data[i]) <= 1e-12 * (1 + Math.abs(want.data[i])))) {
      return `forward element ${i} is ${got.data[i]}, reference ${want.data[i]}`;
    }
  }
  return null;
}
