import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  availableParallelism: number;
  cpuFlags: string[];
  memoryGiB: number;
  platform: string;
  kernel: string;
  node: string;
  v8: string;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
  startedAt: string;
  finishedAt?: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let flags: string[] = [];
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    flags = (line?.split(':')[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((f) => /^(avx|fma|sse4)/.test(f));
  } catch {}
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuFlags: flags,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    node: process.version,
    v8: process.versions.v8,
    loadAverageStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
    startedAt: new Date().toISOString(),
  };
}

export function finishMachineInfo(info: MachineInfo): void {
  info.loadAverageEnd = os.loadavg().map((v) => Math.round(v * 100) / 100);
  info.finishedAt = new Date().toISOString();
}

/** Installed versions of the packages the bench compares or depends on (absent ones omitted). */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  out.tensorgrad = own.version;
  for (const name of [
    '@tensorflow/tfjs',
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-backend-wasm',
    'benchmark',
    'gpu.js',
    'gl',
    'vega-lite',
    'tsx',
  ]) {
    // Packages whose `exports` hide package.json: walk up from their entry point instead.
    let dir: string;
    try {
      dir = dirname(require.resolve(name));
    } catch {
      continue;
    }
    for (let i = 0; i < 6; i++, dir = dirname(dir)) {
      const pj = join(dir, 'package.json');
      if (!existsSync(pj)) continue;
      const meta = JSON.parse(readFileSync(pj, 'utf8')) as { name?: string; version: string };
      if (meta.name === name) {
        out[name] = meta.version;
        break;
      }
    }
  }
  return out;
}
