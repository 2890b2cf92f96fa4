import type { Kernel, KernelFn, KernelImplementation } from './kernel.js';
import type { Dtype } from './types.js';

/**
 * The kernel table: providers by name, their implementations by (kernel, provider), the current
 * choice, and the one dispatcher that checks a call, picks the provider and falls back to the
 * kernel's TypeScript reference when the provider has no implementation of its own. Ops call the
 * dispatched kernels (declarations/) and never see a provider; providers never see tensors.
 */

export type ProviderName = 'js' | 'js-naive' | 'native' | 'gpu' | 'vulkan' | (string & {});
/** A provider by name, or 'auto': by the work of each call (see `autoPolicy`). */
export type ProviderChoice = ProviderName | 'auto';

export interface KernelProvider {
  /** Registry name: 'js', 'js-naive', 'native', 'gpu', ... */
  readonly name: string;
  /** Element types this provider computes. */
  readonly dtypes: readonly Dtype[];
  /** The kernels it runs itself (see `implement`); the others run their TypeScript reference. */
  readonly kernels: readonly KernelImplementation[];
  /** One line for `tensorgrad info`: mode, threads, ISA... */
  describe?(): string;
  /**
   * For 'auto': the least work from which auto may run `kernel` here, on top of the provider's
   * rule (Infinity: never). The Vulkan provider uses it to keep auto off devices that are not
   * GPUs and below its calibrated crossover. Absent: the rule alone decides.
   */
  autoMinWork?(kernel: string): number;
}

type Loader = () => KernelProvider;

const providers = new Map<string, KernelProvider>();
const loaders = new Map<string, Loader>();
/** Lazy providers whose absence is normal (Vulkan): auto's failed attempt to load one is quiet. */
const optional = new Set<string>();
const unavailable = new Map<string, string>();
/** Kernel name -> provider name -> implementation. */
const implementations = new Map<string, Map<string, KernelFn>>();
let current: ProviderChoice = 'auto';
// stderr in Node; the console in a page (the browser bundle has no process).
let warn: (line: string) => void = (line) => {
  if (typeof process !== 'undefined' && process.stderr) process.stderr.write(`${line}\n`);
  else console.warn(line);
};

function implementationsOf(kernel: string): Map<string, KernelFn> {
  let byProvider = implementations.get(kernel);
  if (!byProvider) {
    byProvider = new Map();
    implementations.set(kernel, byProvider);
  }
  return byProvider;
}

/** Adds a provider's implementation of a kernel; a second one for the same pair throws. */
export function registerKernel<F extends KernelFn>(kernel: Kernel<F>, provider: string, run: F): void {
  const byProvider = implementationsOf(kernel.name);
  if (byProvider.has(provider)) {
    throw new Error(`registerKernel: '${kernel.name}' is registered twice for provider '${provider}'`);
  }
  byProvider.set(provider, run);
}

function install(provider: KernelProvider): void {
  const names = provider.kernels.map((k) => k.kernel.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`provider '${provider.name}' implements '${twice}' twice`);
  for (const { kernel, run } of provider.kernels) registerKernel(kernel, provider.name, run);
  providers.set(provider.name, provider);
  unavailable.delete(provider.name);
}

function isTaken(name: string): boolean {
  return providers.has(name) || loaders.has(name);
}

/** Registers a provider and its kernels; a second provider of the same name throws. */
export function registerProvider(provider: KernelProvider): void {
  if (isTaken(provider.name)) {
    throw new Error(`registerProvider: a provider named '${provider.name}' is registered already`);
  }
  install(provider);
}

/**
 * Registers a provider that is built on first use (native addon, gpu.js, Vulkan). If the loader
 * throws, the provider is marked unavailable with the error's message, one line is printed once,
 * and `auto` carries on without it. An optional provider (one that most machines lack) prints
 * nothing when auto's attempt fails; asking for it by name still throws the reason.
 */
export function registerLazyProvider(
  name: string,
  loader: Loader,
  options: { optional?: boolean } = {},
): void {
  if (isTaken(name))
    throw new Error(`registerLazyProvider: a provider named '${name}' is registered already`);
  loaders.set(name, loader);
  if (options.optional) optional.add(name);
}

/** Removes a provider, its loader and its kernels. */
export function unregisterProvider(name: string): void {
  providers.delete(name);
  loaders.delete(name);
  optional.delete(name);
  unavailable.delete(name);
  for (const byProvider of implementations.values()) byProvider.delete(name);
}

/** Where the one-line "provider unavailable" notices go (tests silence or capture them). */
export function setWarningSink(sink: (line: string) => void): void {
  warn = sink;
}

function tryLoad(name: string, announce = true): KernelProvider | undefined {
  const loaded = providers.get(name);
  if (loaded) return loaded;
  if (unavailable.has(name)) return undefined;
  const loader = loaders.get(name);
  if (!loader) return undefined;
  try {
    const provider = loader();
    if (provider.name !== name) throw new Error(`its loader built a provider named '${provider.name}'`);
    install(provider);
    return provider;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    unavailable.set(name, reason);
    if (announce) {
      warn(
        `tensorgrad: the '${name}' kernel provider is unavailable (${reason}); using the TypeScript kernels.`,
      );
    }
    return undefined;
  }
}

/** The named provider, loading it if needed; throws with the reason if it cannot be had. */
export function getProvider(name: string): KernelProvider {
  const p = tryLoad(name);
  if (p) return p;
  const why = unavailable.get(name);
  if (why !== undefined) throw new Error(`kernel provider '${name}' is unavailable: ${why}`);
  throw new Error(`unknown kernel provider '${name}'; known: ${knownProviderNames().join(', ')}`);
}

export function knownProviderNames(): string[] {
  return [...new Set([...providers.keys(), ...loaders.keys()])];
}

/** Every provider that can run here (loads the lazy ones; see unavailableProviders for the rest). */
export function availableProviders(): KernelProvider[] {
  for (const name of loaders.keys()) tryLoad(name, !optional.has(name));
  return [...providers.values()];
}

/** Name -> reason for every provider that failed to load. */
export function unavailableProviders(): ReadonlyMap<string, string> {
  return unavailable;
}

/** Sets the provider every op uses from now on: a name, or 'auto'. */
export function setProvider(choice: ProviderChoice): void {
  if (choice !== 'auto') getProvider(choice);
  current = choice;
}

export function currentProvider(): ProviderChoice {
  return current;
}

/** Runs fn with another provider, restoring the previous choice afterwards (even on error). */
export function withProvider<T>(choice: ProviderChoice, fn: () => T): T {
  const saved = current;
  setProvider(choice);
  try {
    return fn();
  } finally {
    current = saved;
  }
}

/**
 * What `auto` picks: the first rule whose provider is available, supports the dtype and whose
 * minimum work (the kernel's operation count; 2*m*n*k flops for a product) is met; the TypeScript
 * kernels otherwise. The bench measures where each provider starts to win and these numbers come
 * from it (see README, "Auto-dispatch").
 */
export interface AutoRule {
  provider: string;
  minFlops: number;
}
// Measured by `npm run bench -- --calibrate` (writes bench/results/auto-policy.json) on the 2-core
// dev box: in both dtypes native wins every square and training shape from 6^3 up; below that its
// ~1 us call costs more than the product and the TypeScript loops win (the naive one under 4^3;
// float64 preferred the blocked one at 4^3). The dtypes' rules are merged by the larger threshold.
// The Vulkan rule is a floor, not a measurement (no GPU was here): below 128^3 a submission's fixed
// cost (tens of microseconds) loses to native on any machine, and staying below it keeps small
// models from even probing for Vulkan (about 0.1 s). Past it the provider decides (autoMinWork): never
// on devices that are not GPUs (lavapipe), else from the crossover it measures once against native.
export const autoPolicy: { rules: AutoRule[] } = {
  rules: [
    { provider: 'vulkan', minFlops: 2 * 128 ** 3 },
    { provider: 'native', minFlops: 235 },
    { provider: 'js', minFlops: 83 },
    { provider: 'js-naive', minFlops: 0 },
  ],
};

/**
 * The provider a call of `work` operations on `dtype` runs on (of `kernel`, for providers that
 * decide per kernel; see autoMinWork); undefined when no provider applies (no rule matched and 'js'
 * is not registered), and the kernels' references then run.
 */
export function selectProvider(
  work: number,
  dtype: Dtype,
  choice = current,
  kernel = '',
): KernelProvider | undefined {
  if (choice !== 'auto') {
    const p = getProvider(choice);
    if (!p.dtypes.includes(dtype)) {
      throw new Error(
        `kernel provider '${p.name}' does not support ${dtype}; it supports ${p.dtypes.join(', ')}`,
      );
    }
    return p;
  }
  for (const rule of autoPolicy.rules) {
    if (work < rule.minFlops) continue;
    const p = tryLoad(rule.provider, !optional.has(rule.provider));
    if (!p?.dtypes.includes(dtype)) continue;
    if (p.autoMinWork !== undefined && !(work >= p.autoMinWork(kernel))) continue;
    return p;
  }
  return providers.get('js');
}

/** A dispatched kernel: the kernel's own arguments, then optionally a provider for this call. */
export type Dispatched<F extends KernelFn> = (...args: [...Parameters<F>, choice?: ProviderChoice]) => void;

/**
 * The kernel as ops call it: its entry (declareKernel) checks the arguments against the
 * declaration, so every provider can trust them; this picks the provider (the call's choice, else
 * the current one) and its implementation, or, when it has none, `composed` for that provider if
 * given, else the TypeScript reference. `composed` is for a fused kernel: the kernels it fuses,
 * dispatched to the same provider, so a provider that has those but not the fusion (a device
 * keeping its data resident) still runs the work itself.
 */
export function dispatcher<F extends KernelFn>(
  kernel: Kernel<F>,
  composed?: (provider: ProviderName) => F,
): Dispatched<F> {
  const byProvider = implementationsOf(kernel.name);
  const reference = kernel.reference;
  return kernel.entry<ProviderChoice>((dtype, work, choice) => {
    const p = selectProvider(work, dtype, choice ?? current, kernel.name);
    if (p === undefined) return reference;
    return (byProvider.get(p.name) ?? (composed ? composed(p.name) : reference)) as F;
  });
}

/**
 * What a provider runs for a kernel, called directly (no checks, no selection: for tests and
 * benches): its own implementation, or the kernel's reference.
 */
export function implementationOf<F extends KernelFn>(provider: KernelProvider, kernel: Kernel<F>): F {
  const registered = providers.get(provider.name) === provider;
  const own = registered
    ? implementationsOf(kernel.name).get(provider.name)
    : provider.kernels.find((k) => k.kernel === kernel)?.run;
  return (own ?? kernel.reference) as F;
}
