import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddonPath } from '../../src/kernels/index.js';
import { tryNative } from './load.js';

// Two threads share the addon's globals: one multiplies while the other switches the instruction
// set back and forth. Each product must run on one ISA's kernels from start to end (a mix of two
// register tiles writes past the packed buffers: a heap-buffer-overflow under npm run test:asan)
// and give the right values. Runs under ASan with the rest of test/native.
const { addon } = tryNative();
const isas = addon ? ['avx512', 'avx2', 'vec128'].filter((isa) => addon.setIsa(isa)) : [];
afterAll(() => {
  if (addon && isas.length > 0) addon.setIsa(isas[0]);
});

// Shapes for every path: matrix-vector, small (unpacked), packed on one thread, packed on two.
const SHAPES = [
  [1, 70, 300],
  [40, 40, 40],
  [150, 130, 140],
  [260, 250, 270],
] as const;

// CommonJS source run with `eval: true`: the worker loads the same addon file (one copy of its
// globals per process) and reports its errors instead of throwing.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.path);
const { role, isas, shapes, seconds } = workerData;
const until = Date.now() + seconds * 1000;
let done = 0;
let worst = 0;
if (role === 'switch') {
  while (Date.now() < until) addon.setIsa(isas[done++ % isas.length]);
} else {
  const cases = shapes.map(([m, n, k]) => {
    const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
    const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
    const ref = new Float64Array(m * n);
    for (let i = 0; i < m; i++)
      for (let p = 0; p < k; p++)
        for (let j = 0; j < n; j++) ref[i * n + j] += a[i * k + p] * b[p * n + j];
    return { m, n, k, a, b, ref, c: new Float32Array(m * n) };
  });
  while (Date.now() < until) {
    for (const { m, n, k, a, b, ref, c } of cases) {
      addon.gemm(false, false, m, n, k, 1, a, b, 0, c);
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]) / (k + 1));
      done++;
    }
  }
}
parentPort.postMessage({ role, done, worst });
`;

interface Report {
  role: string;
  done: number;
  worst: number;
}

function start(role: 'multiply' | 'switch', seconds: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { path: nativeAddonPath(), role, isas, shapes: SHAPES, seconds },
    });
    let report: Report | undefined;
    worker.on('message', (m: Report) => {
      report = m;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0 || !report) reject(new Error(`${role} worker exited with code ${code}`));
      else resolve(report);
    });
  });
}

describe.skipIf(!addon || isas.length < 2)('native: setIsa while another thread multiplies', () => {
  it(`switches between ${isas.join(', ')} during products on every path; each product stays correct`, async () => {
    const seconds = 1.5;
    const [multiply, switches] = await Promise.all([start('multiply', seconds), start('switch', seconds)]);
    expect(multiply.done).toBeGreaterThan(SHAPES.length);
    expect(switches.done).toBeGreaterThan(100);
    // float32 products of k terms in [-0.5, 0.5]: an error above 1e-6 per term is a wrong result.
    expect(multiply.worst).toBeLessThan(1e-6);
  });
});
