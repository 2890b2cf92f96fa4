// Measurement pieces shared by the bench scripts: loaders for the tensorgrad addon and the
// OpenBLAS reference, and timing helpers that report medians (the machine is shared and noisy).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The tensorgrad addon (throws if it is not built). */
export function loadTensorgradAddon() {
  const path =
    process.env.TENSORGRAD_NATIVE_ADDON ?? join(root, 'build', 'Release', 'tensorgrad_native.node');
  return require(path);
}

/**
 * The OpenBLAS reference addon, built on first use from bench/openblas; `{ addon: null, reason }`
 * when OpenBLAS (apt libopenblas-dev) is not installed or the build fails: reported absent, never faked.
 */
export function loadOpenBlas() {
  const dir = join(root, 'bench', 'openblas');
  const path = join(dir, 'build', 'Release', 'openblas_ref.node');
  if (!existsSync(path)) {
    if (!existsSync('/usr/include/x86_64-linux-gnu/cblas.h') && !existsSync('/usr/include/cblas.h')) {
      return { addon: null, reason: 'OpenBLAS headers not found (apt install libopenblas-dev)' };
    }
    const args = [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild'];
    const headers = resolve(dirname(process.execPath), '..');
    if (existsSync(join(headers, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${headers}`);
    const res = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    if (res.status !== 0) {
      const line = `${res.stderr}`.split('\n').find((l) => /error/i.test(l)) ?? 'node-gyp failed';
      return { addon: null, reason: `OpenBLAS reference did not build: ${line.trim()}` };
    }
  }
  // Debian's DYNAMIC_ARCH build does not recognise this CPU model and falls back to its generic
  // Prescott kernels (~13 GFLOPS); its AVX-512 SkylakeX kernels are what a tuned OpenBLAS runs here.
  // The variable is read when the library loads; an explicit setting wins.
  if (!process.env.OPENBLAS_CORETYPE && hasAvx512()) process.env.OPENBLAS_CORETYPE = 'SkylakeX';
  try {
    return { addon: require(path), reason: '' };
  } catch (err) {
    return { addon: null, reason: `OpenBLAS reference failed to load: ${String(err).split('\n')[0]}` };
  }
}

function hasAvx512() {
  try {
    return /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * How long OpenBLAS's idle worker threads keep spinning after a multithreaded call: measured here
 * at a full core for about 125 ms (its default THREAD_TIMEOUT is 2^28 cycles). On a 2-core machine
 * anything timed in that window runs with one core fewer, so benches wait this long after each
 * multithreaded OpenBLAS sample before timing the next competitor (tensorgrad's pool spins 0.2 ms).
 */
export const OPENBLAS_IDLE_SPIN_MS = 250;

/** Blocks the calling thread for ms milliseconds without spinning. */
export function settle(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function randomF32(len) {
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/**
 * sgemm GFLOPS of each named implementation (all `gemm(transA, transB, m, n, k, alpha, a, b, beta, c)`)
 * on one square size. Samples alternate between implementations so they share the machine's noise;
 * each sample runs enough calls to last about `sampleMs`, and `settleMs[name]` milliseconds of
 * sleep follow each sample of that implementation. Returns name -> median GFLOPS.
 */
export function measureSquare(impls, size, { samples = 7, sampleMs = 150, settleMs = {} } = {}) {
  const a = randomF32(size * size);
  const b = randomF32(size * size);
  const c = new Float32Array(size * size);
  const flops = 2 * size * size * size;
  const reps = {};
  for (const [name, gemm] of Object.entries(impls)) {
    gemm(false, false, size, size, size, 1, a, b, 0, c); // warm up: pages, packing buffers, threads
    const t0 = performance.now();
    gemm(false, false, size, size, size, 1, a, b, 0, c);
    const once = Math.max(performance.now() - t0, 1e-3);
    reps[name] = Math.max(1, Math.round(sampleMs / once));
    if (settleMs[name]) settle(settleMs[name]);
  }
  const rates = Object.fromEntries(Object.keys(impls).map((n) => [n, []]));
  for (let s = 0; s < samples; s++) {
    for (const [name, gemm] of Object.entries(impls)) {
      const t0 = performance.now();
      for (let r = 0; r < reps[name]; r++) gemm(false, false, size, size, size, 1, a, b, 0, c);
      const sec = (performance.now() - t0) / 1000;
      rates[name].push((flops * reps[name]) / sec / 1e9);
      if (settleMs[name]) settle(settleMs[name]);
    }
  }
  const out = Object.fromEntries(Object.entries(rates).map(([n, r]) => [n, median(r)]));
  // Median of the per-sample ratios: adjacent samples share the machine's load, so this is steadier
  // than the ratio of the two medians when other jobs come and go.
  if (rates.native && rates.openblas)
    out.pairRatio = median(rates.native.map((v, i) => v / rates.openblas[i]));
  return out;
}

/**
 * Median ns per call of small products, for each named call (a function of no arguments that runs
 * one product). Samples alternate between the calls so they share the machine's noise. Reports
 * wall time and this process's CPU time per call: on a busy machine the wall clock also counts
 * time spent descheduled, the CPU clock does not.
 */
export function measureCalls(calls, { callsPerSample = 20000, samples = 9 } = {}) {
  const wall = Object.fromEntries(Object.keys(calls).map((n) => [n, []]));
  const cpu = Object.fromEntries(Object.keys(calls).map((n) => [n, []]));
  for (const fn of Object.values(calls)) for (let i = 0; i < callsPerSample; i++) fn(); // warm up, JIT
  for (let s = 0; s < samples; s++) {
    for (const [name, fn] of Object.entries(calls)) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < callsPerSample; i++) fn();
      const t1 = process.hrtime.bigint();
      const c1 = process.cpuUsage(c0);
      wall[name].push(Number(t1 - t0) / callsPerSample);
      cpu[name].push(((c1.user + c1.system) * 1000) / callsPerSample);
    }
  }
  return Object.fromEntries(
    Object.keys(calls).map((n) => [n, { wall: median(wall[n]), cpu: median(cpu[n]) }]),
  );
}

/** Arguments of one gemm call of the given shape, on fresh random float32 arrays. */
export function gemmArgs(transA, transB, m, n, k) {
  return [transA, transB, m, n, k, 1, randomF32(m * k), randomF32(k * n), 0, new Float32Array(m * n)];
}

/** Median ns per call of a tiny product (default 32x10 by 10x64, the first dense layer's shape). */
export function measureTinyCall(gemm, { m = 32, k = 10, n = 64, calls = 20000, samples = 9 } = {}) {
  const args = gemmArgs(false, false, m, n, k);
  return measureCalls({ gemm: () => gemm(...args) }, { callsPerSample: calls, samples }).gemm.wall;
}
