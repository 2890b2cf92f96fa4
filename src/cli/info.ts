import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  availableProviders,
  currentProvider as getBackend,
  type KernelProvider,
  unavailableProviders,
} from '../kernels/registry.js';
import { type VulkanProvider, vulkanLimitLines } from '../kernels/vulkan/index.js';

/** The installed package's folder (src/cli and dist/cli sit at the same depth below it). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '');
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The SIMD features the kernels care about, read from /proc/cpuinfo where it exists. */
export function cpuFeatures(): string[] {
  try {
    const flags =
      readFileSync('/proc/cpuinfo', 'utf8')
        .match(/^flags\s*:\s*(.*)$/m)?.[1]
        .split(/\s+/) ?? [];
    return ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni'].filter((f) =>
      flags.includes(f),
    );
  } catch {
    return [];
  }
}

/** What `tensorgrad info` prints: version, kernel providers (and why any is missing), CPU. */
export function infoLines(): string[] {
  const providers = availableProviders();
  const lines = [
    `tensorgrad ${packageVersion()} on Node ${process.versions.node} (${process.platform}-${process.arch})`,
    `CPU: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} threads, features: ${cpuFeatures().join(' ') || 'unknown'}`,
    `backend: ${getBackend()}`,
    'kernel providers:',
    ...providers.flatMap(providerLines),
  ];
  for (const [name, why] of unavailableProviders()) lines.push(`  ${name.padEnd(9)} unavailable: ${why}`);
  lines.push(...usageLines());
  return lines;
}

/** A provider's line; the Vulkan provider adds the device limits its kernels are sized by. */
function providerLines(p: KernelProvider): string[] {
  const line = `  ${p.name.padEnd(9)} ${p.dtypes.join('+').padEnd(16)} ${p.describe?.() ?? ''}`;
  if (p.name !== 'vulkan' || !('info' in p)) return [line];
  return [line, ...vulkanLimitLines((p as VulkanProvider).info).map((l) => `${' '.repeat(28)}${l}`)];
}

/**
 * How to run the command line from another project: the package installs the `tensorgrad`
 * binary into node_modules/.bin, which npx runs.
 */
export function usageLines(): string[] {
  return [
    `installed at: ${packageRoot()}`,
    'use from your own project (Node >= 20):',
    '  npm install tensorgrad',
    '  npx tensorgrad train --data FILE.csv --label COLUMN --out runs/first',
    '  npx tensorgrad predict --model runs/first --data NEW.csv --out scored.csv',
    '  npx tensorgrad <command> --help     every option of train, evaluate, predict',
    "  import { Model, Dense, Adam } from 'tensorgrad'     the API (ES modules, TypeScript types included)",
  ];
}
