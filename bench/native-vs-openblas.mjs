#!/usr/bin/env node
// npm run bench:native: sgemm GFLOPS of the tensorgrad addon against OpenBLAS in the same run
// (square sizes, 1 and 2 threads, medians), the per-call cost of a tiny product through each layer
// (raw addon, the native provider, the dispatcher's gemm), and ns per call of the training step's
// shapes, then the sparse path: the wide model's 1024 x 1024 products with three quarters of op(A)
// zero, as after ReLU and dropout 0.5. Usage: node bench/native-vs-openblas.mjs [sizes...] [--sparse]
// (--sparse: only that last part)   e.g. 512 1024
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  gemmArgs,
  loadOpenBlas,
  loadTensorgradAddon,
  measureCalls,
  measureSquare,
  OPENBLAS_IDLE_SPIN_MS,
} from './measure.mjs';

const sparseOnly = process.argv.includes('--sparse');
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [128, 256, 512, 1024, 2048];
const native = loadTensorgradAddon();
const blas = loadOpenBlas();
const defaultThreads = native.getThreads();
console.log(`tensorgrad native: ${native.isa()}, default ${defaultThreads} threads`);
console.log(blas.addon ? `OpenBLAS: ${blas.addon.config().trim()}` : `OpenBLAS: absent (${blas.reason})`);

// The provider and dispatcher are TypeScript; the bench uses their compiled form (npm run build).
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'kernels', 'index.js');
const kernels = existsSync(dist) ? await import(pathToFileURL(dist).href) : null;
if (!kernels) console.log('dist/ not built (npm run build): provider and dispatcher rows are skipped');

const fmt = (v, w = 6) => (Number.isNaN(v) || v === undefined ? 'n/a'.padStart(w) : v.toFixed(1).padStart(w));

if (!sparseOnly)
  console.log('\n== sgemm, square (GFLOPS, medians; ratio = median of per-sample native/OpenBLAS ratios) ==');
for (const threads of sparseOnly ? [] : [1, 2]) {
  native.setThreads(threads);
  blas.addon?.setThreads(threads);
  for (const size of SIZES) {
    const impls = { native: native.gemm };
    if (blas.addon) impls.openblas = blas.addon.sgemm;
    // OpenBLAS's idle workers would otherwise hold a core through the next native sample.
    const settleMs = threads > 1 ? { openblas: OPENBLAS_IDLE_SPIN_MS } : {};
    const r = measureSquare(impls, size, { samples: size >= 1024 ? 7 : 11, settleMs });
    const ratio = r.pairRatio ?? Number.NaN;
    console.log(
      `sgemm ${String(size).padStart(4)}^3  threads ${threads}  native ${fmt(r.native)} GFLOPS` +
        `  openblas ${fmt(r.openblas)} GFLOPS  ratio ${Number.isNaN(ratio) ? 'n/a' : ratio.toFixed(2)}` +
        `  (ratio of medians ${r.openblas ? (r.native / r.openblas).toFixed(2) : 'n/a'})`,
    );
  }
}
native.setThreads(defaultThreads);

const nativeProvider = kernels?.getProvider('native');
// The provider's own kernels, called directly (no checks, no selection).
const provider = nativeProvider && {
  gemm: kernels.implementationOf(nativeProvider, kernels.gemmKernel),
  denseForward: kernels.implementationOf(nativeProvider, kernels.denseForwardKernel),
};
const row = (label, r) =>
  console.log(
    `${label.padEnd(44)} ${r.wall.toFixed(0).padStart(6)} ns wall  ${r.cpu.toFixed(0).padStart(6)} ns cpu`,
  );

if (!sparseOnly) {
  console.log('\n== tiny sgemm 32x10 by 10x64, per call from JS (medians) ==');
  const args = gemmArgs(false, false, 32, 64, 10);
  const empty = gemmArgs(false, false, 0, 64, 10);
  const calls = { 'native addon gemm (checked entry)': () => native.gemm(...args) };
  if (provider) {
    calls['native provider gemm (fast entry)'] = () => provider.gemm(...args);
    calls["dispatcher gemm(..., 'native')"] = () => kernels.gemm(...args, 'native');
    calls['dispatcher gemm(...) auto'] = () => kernels.gemm(...args);
    calls['native provider gemm, m = 0 (call overhead)'] = () => provider.gemm(...empty);
    calls["dispatcher gemm, m = 0, 'native'"] = () => kernels.gemm(...empty, 'native');
  }
  calls['native addon gemm, m = 0'] = () => native.gemm(...empty);
  if (blas.addon) calls['openblas sgemm'] = () => blas.addon.sgemm(...args);
  for (const [name, r] of Object.entries(measureCalls(calls))) row(name, r);
}

// The seed model (10 -> 64 -> 32 -> 1, batch 32): the forward dense layers, then the backward
// products (weight gradients take transposed activations, input gradients transposed weights).
if (!sparseOnly) console.log('\n== training-step shapes, ns per call (medians) ==');
const dense = [
  ['dense 32x10 . 10x64 + bias, relu', 32, 64, 10, 'relu'],
  ['dense 32x64 . 64x32 + bias, relu', 32, 32, 64, 'relu'],
  ['dense 32x32 . 32x1 + bias, linear', 32, 1, 32, 'linear'],
];
const backward = [
  ['dW3 = H2^T dY   (32x32)^T . 32x1', true, false, 32, 1, 32],
  ['dH2 = dY W3^T   32x1 . (32x1)^T', false, true, 32, 32, 1],
  ['dW2 = H1^T dH2  (32x64)^T . 32x32', true, false, 64, 32, 32],
  ['dH1 = dH2 W2^T  32x32 . (64x32)^T', false, true, 32, 64, 32],
  ['dW1 = X^T dH1   (32x10)^T . 32x64', true, false, 10, 64, 32],
];
if (provider && !sparseOnly) {
  for (const [label, m, n, k, act] of dense) {
    const [, , , , , , x, w, , out] = gemmArgs(false, false, m, n, k);
    const bias = new Float32Array(n).fill(0.1);
    const calls = {
      provider: () => provider.denseForward(m, n, k, x, w, bias, act, out),
      dispatcher: () => kernels.denseForward(m, n, k, x, w, bias, act, out, 'native'),
    };
    if (blas.addon) calls.openblas = () => blas.addon.sgemm(false, false, m, n, k, 1, x, w, 0, out);
    const r = measureCalls(calls, { callsPerSample: 10000, samples: 7 });
    console.log(
      `${label.padEnd(36)} native provider ${r.provider.cpu.toFixed(0).padStart(5)} ns  dispatcher ${r.dispatcher.cpu
        .toFixed(0)
        .padStart(
          5,
        )} ns  (openblas sgemm alone ${r.openblas ? r.openblas.cpu.toFixed(0).padStart(5) : '  n/a'} ns)  cpu`,
    );
  }
  for (const [label, ta, tb, m, n, k] of backward) {
    const args = gemmArgs(ta, tb, m, n, k);
    const calls = {
      provider: () => provider.gemm(...args),
      dispatcher: () => kernels.gemm(...args, 'native'),
    };
    if (blas.addon) calls.openblas = () => blas.addon.sgemm(...args);
    const r = measureCalls(calls, { callsPerSample: 10000, samples: 7 });
    console.log(
      `${label.padEnd(36)} native provider ${r.provider.cpu.toFixed(0).padStart(5)} ns  dispatcher ${r.dispatcher.cpu
        .toFixed(0)
        .padStart(
          5,
        )} ns  (openblas sgemm ${r.openblas ? r.openblas.cpu.toFixed(0).padStart(5) : '  n/a'} ns)  cpu`,
    );
  }
}

// The sparse path: the wide model's second-layer products (forward H W, dH = dZ W^T, dW = H^T dZ)
// with op(A) 25 % nonzero, on the addon (which multiplies only those) and on OpenBLAS, against the
// addon on the same shape with op(A) dense (its dense path: its time does not depend on the
// values). Samples interleaved (OpenBLAS's only on one thread), medians; one thread and all cores.
console.log(
  '\n== sparse path: op(A) 25 % nonzero against dense, ms per call (medians of interleaved samples) ==',
);
const sparse = [
  ['forward H W      256x1024 . 1024x1024', false, false, 256, 1024, 1024],
  ['dH = dZ W^T      256x1024 . (1024x1024)^T', false, true, 256, 1024, 1024],
  ['dW = H^T dZ      (256x1024)^T . 256x1024', true, false, 1024, 1024, 256],
];
for (const threads of [1, defaultThreads]) {
  native.setThreads(threads);
  blas.addon?.setThreads(threads);
  for (const [label, ta, tb, m, n, k] of sparse) {
    const dense = gemmArgs(ta, tb, m, n, k);
    const thin = [...dense];
    const a = Float32Array.from(dense[6]);
    for (let i = 0; i < a.length; i++) if (Math.random() >= 0.25) a[i] = 0;
    thin[6] = a;
    const before = native.sparseProducts();
    native.gemm(...thin);
    const took = native.sparseProducts() > before;
    const calls = { sparse: () => native.gemm(...thin), dense: () => native.gemm(...dense) };
    // On more threads OpenBLAS's idle workers spin after each call and would slow the sample
    // timed next: it is then timed on its own, after the addon's samples.
    const interleaved = threads === 1;
    if (blas.addon && interleaved) calls.openblas = () => blas.addon.sgemm(...thin);
    const opts = { callsPerSample: 20, samples: 9 };
    const r = measureCalls(calls, opts);
    if (blas.addon && !interleaved) r.openblas = measureCalls({ o: () => blas.addon.sgemm(...thin) }, opts).o;
    const ms = (x) => (x.wall / 1e6).toFixed(2).padStart(6);
    console.log(
      `${label.padEnd(44)} threads ${threads}  sparse ${ms(r.sparse)}  dense ${ms(r.dense)}  ` +
        `(${(r.dense.wall / r.sparse.wall).toFixed(2)}x)  openblas on the sparse operand ` +
        `${r.openblas ? `${ms(r.openblas)} (${(r.openblas.wall / r.sparse.wall).toFixed(2)}x)` : 'n/a'}` +
        `${took ? '' : '  (the sparse path was not taken)'}`,
    );
  }
}
native.setThreads(defaultThreads);
