#!/usr/bin/env node
// npm run bench:native: sgemm GFLOPS of the tensorgrad addon against OpenBLAS in the same run
// (square sizes, 1 and 2 threads, medians), and the per-call cost of a tiny product.
// Usage: node bench/native-vs-openblas.mjs [sizes...]   e.g. 512 1024
import { loadOpenBlas, loadTensorgradAddon, measureSquare, measureTinyCall } from './measure.mjs';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [128, 256, 512, 1024, 2048];
const native = loadTensorgradAddon();
const blas = loadOpenBlas();
console.log(`tensorgrad native: ${native.isa()}, default ${native.getThreads()} threads`);
console.log(blas.addon ? `OpenBLAS: ${blas.addon.config().trim()}` : `OpenBLAS: absent (${blas.reason})`);

const rows = [];
for (const threads of [1, 2]) {
  native.setThreads(threads);
  blas.addon?.setThreads(threads);
  for (const size of SIZES) {
    const impls = { native: native.gemm };
    if (blas.addon) impls.openblas = blas.addon.sgemm;
    const r = measureSquare(impls, size, { samples: size >= 1024 ? 5 : 9 });
    const ratio = r.openblas ? r.native / r.openblas : Number.NaN;
    rows.push({ size, threads, native: r.native, openblas: r.openblas, ratio });
    console.log(
      `sgemm ${String(size).padStart(4)}^3  threads ${threads}  native ${r.native.toFixed(1).padStart(6)} GFLOPS` +
        `  openblas ${r.openblas ? r.openblas.toFixed(1).padStart(6) : '   n/a'} GFLOPS` +
        `  ratio ${Number.isNaN(ratio) ? 'n/a' : ratio.toFixed(2)}`,
    );
  }
}
native.setThreads(2);
const tinyNative = measureTinyCall(native.gemm);
const tinyBlas = blas.addon ? measureTinyCall(blas.addon.sgemm) : Number.NaN;
console.log(
  `tiny sgemm 32x10 by 10x64: native ${tinyNative.toFixed(0)} ns/call, openblas ${
    Number.isNaN(tinyBlas) ? 'n/a' : `${tinyBlas.toFixed(0)} ns/call`
  } (including the JS -> N-API call)`,
);
