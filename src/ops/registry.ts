import { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';

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
