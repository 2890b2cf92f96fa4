import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Activation,
  type AdamParams,
  adamUpdateReference,
  applyBiasActivation,
  naiveGemm,
  type VulkanProvider,
} from '../../src/kernels/index.js';
import { Generator } from '../../src/random.js';
import { describeCase, type GemmCase, gemmCases, gemmTolerance, runParityCase } from '../helpers/gemm.js';
import { kernelsOf } from '../helpers/kernels.js';
import { probeVulkan, resetVulkan, VULKAN_CONFIGS, vulkanRequired, vulkanWith } from '../helpers/vulkan.js';

// Every kernel of the Vulkan provider against the float64 reference, on lavapipe in CI, in each
// way the provider can run: mapped device memory and the staging path (forced: lavapipe's memory
// is all host-visible), and both GEMM main loops (direct texel reads, what a CPU device runs, and
// shared-memory tiles, what a GPU runs).

const { provider: available, reason } = probeVulkan();
afterAll(resetVulkan);

describe('vulkan provider availability', () => {
  it('runs here when TENSORGRAD_REQUIRE_VULKAN=1 (CI installs lavapipe)', () => {
    if (!vulkanRequired()) {
      if (!available) console.warn(`vulkan unavailable here (not required): ${reason}`);
      return;
    }
    expect(reason).toBe('');
  });
});

function uniform(len: number, rng: Generator, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Worst |got - want| and where, with NaN counting as infinitely wrong. */
function worstError(got: ArrayLike<number>, want: ArrayLike<number>): { worst: number; at: number } {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
      at = i;
    }
  }
  return { worst, at };
}

// Past the tiles of both main loops (128 x 64 and 128 x 128), long k, alpha and beta.
const extraGemmCases: GemmCase[] = [];
for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    extraGemmCases.push({ transA, transB, m: 129, n: 65, k: 17, alpha: 1, beta: 0 });
    extraGemmCases.push({ transA, transB, m: 130, n: 131, k: 33, alpha: 2, beta: 1 });
    extraGemmCases.push({ transA, transB, m: 17, n: 13, k: 1000, alpha: 1, beta: 0 });
    extraGemmCases.push({ transA, transB, m: 3, n: 31, k: 1001, alpha: -0.5, beta: 0.25 });
  }
}
extraGemmCases.push({ transA: false, transB: false, m: 1, n: 1, k: 4097, alpha: 2, beta: 1 });
extraGemmCases.push({ transA: true, transB: false, m: 257, n: 2, k: 5, alpha: 1, beta: 0 });

const ACTIVATIONS: Activation[] = ['linear', 'relu', 'sigmoid', 'tanh'];
const DENSE_SHAPES: Array<[number, number, number]> = [
  [32, 64, 10],
  [7, 1, 33],
  [1, 5, 1000],
  [33, 17, 129],
  [130, 70, 3],
];

describe.skipIf(!available)('vulkan kernels against the float64 reference', () => {
  for (const config of VULKAN_CONFIGS) {
    describe(config.label, () => {
      let provider: VulkanProvider;
      let on: ReturnType<typeof kernelsOf>;
      beforeAll(() => {
        provider = vulkanWith(config.settings);
        on = kernelsOf(provider);
      });

      it('opens the device as asked', () => {
        expect(provider.info.gemmVariant).toBe(config.settings.gemm);
        if (config.settings.staging === 'always') expect(provider.info.staging).toBe(true);
        expect(provider.describe?.()).toContain(provider.info.name);
      });

      it('gemm: fixed shapes (empty, 1x1, odd), every transpose, random shapes with alpha and beta', () => {
        const cases = [...gemmCases(4321, 12), ...extraGemmCases];
        let ratio = 0;
        cases.forEach((c, i) => {
          const { worst, tol, at } = runParityCase(provider, 'float32', c, 700 + i);
          if (!(worst <= tol))
            expect.fail(`${config.label} ${describeCase(c)}: |error| ${worst} at ${at} > ${tol}`);
          ratio = Math.max(ratio, worst / tol);
        });
        console.info(
          `vulkan gemm parity (${config.label}): ${cases.length} shapes, at most ${(100 * ratio).toFixed(1)}% of the float32 tolerance`,
        );
      });

      it('gemm with beta = 0 never reads C: NaN in the output stays out', () => {
        const rng = new Generator(5);
        const [m, n, k] = [9, 70, 20];
        const a = uniform(m * k, rng);
        const b = uniform(k * n, rng);
        const c = new Float32Array(m * n).fill(Number.NaN);
        on.gemm(false, false, m, n, k, 1, a, b, 0, c);
        const ref = new Float64Array(m * n);
        naiveGemm(false, false, m, n, k, 1, Float64Array.from(a), Float64Array.from(b), 0, ref);
        expect(worstError(c, ref).worst).toBeLessThanOrEqual(gemmTolerance('float32', k));
        // k = 0: beta * C, zeros for beta = 0.
        const d = new Float32Array(6).fill(Number.NaN);
        on.gemm(false, false, 2, 3, 0, 1, new Float32Array(0), new Float32Array(0), 0, d);
        expect([...d]).toEqual([0, 0, 0, 0, 0, 0]);
        const e = Float32Array.of(1, 2, 3, 4);
        on.gemm(true, true, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0.5, e);
        expect([...e]).toEqual([0.5, 1, 1.5, 2]);
      });

      it('denseForward: every activation, with and without bias, large pre-activations, k = 0', () => {
        const rng = new Generator(7);
        for (const [m, n, k] of DENSE_SHAPES) {
          for (const act of ACTIVATIONS) {
            for (const withBias of [true, false]) {
              // One shape with large |z|: sigmoid and tanh must saturate, not overflow to NaN.
              const scale = m === 7 ? 100 : 1;
              const x = uniform(m * k, rng, -scale, scale);
              const w = uniform(k * n, rng);
              const bias = withBias ? uniform(n, rng) : null;
              const ref = new Float64Array(m * n);
              naiveGemm(false, false, m, n, k, 1, Float64Array.from(x), Float64Array.from(w), 0, ref);
              applyBiasActivation(m, n, bias ? Float64Array.from(bias) : null, act, ref);
              const out = new Float32Array(m * n).fill(Number.NaN);
              on.denseForward(m, n, k, x, w, bias, act, out);
              // The activations are 1-Lipschitz; exp adds a few float32 ulps.
              const tol = scale * gemmTolerance('float32', k) + 1e-6;
              const { worst, at } = worstError(out, ref);
              if (!(worst <= tol)) {
                expect.fail(
                  `${config.label} dense ${m}x${n}x${k} ${act} bias=${withBias}: |error| ${worst} at ${at} > ${tol}`,
                );
              }
            }
          }
        }
        // k = 0: act(bias) in every row.
        const out = new Float32Array(6).fill(Number.NaN);
        on.denseForward(
          2,
          3,
          0,
          new Float32Array(0),
          new Float32Array(0),
          Float32Array.of(-1, 0, 2),
          'relu',
          out,
        );
        expect([...out]).toEqual([0, 0, 2, 0, 0, 2]);
      });

      it('reluBackward: exactly the reference (zeros, -0 and NaN in y), in place too', () => {
        const rng = new Generator(8);
        for (const len of [1, 7, 1001, 40_000]) {
          const dy = uniform(len, rng);
          const y = Float32Array.from({ length: len }, (_, i) =>
            i % 10 === 0 ? 0 : i % 10 === 1 ? -0 : i % 10 === 2 ? Number.NaN : rng.uniform(-1, 1),
          );
          if (len > 3) dy[3] = -0;
          const want = new Float32Array(len);
          for (let i = 0; i < len; i++) want[i] = y[i] > 0 ? dy[i] : 0;
          const out = new Float32Array(len).fill(7);
          on.reluBackward(len, dy, y, out);
          for (let i = 0; i < len; i++) {
            if (!Object.is(out[i], want[i]))
              expect.fail(`reluBackward len ${len} at ${i}: ${out[i]}, want ${want[i]}`);
          }
          const inPlace = dy.slice();
          on.reluBackward(len, inPlace, y, inPlace);
          expect(worstError(inPlace, want).worst).toBe(0);
        }
      });

      it('sigmoidBackward: within float32 rounding of the float64 reference', () => {
        const rng = new Generator(12);
        for (const len of [1, 1001, 40_000]) {
          const dy = uniform(len, rng, -10, 10);
          const y = uniform(len, rng, 0, 1);
          y[0] = 1;
          if (len > 1) y[1] = 0;
          const out = new Float32Array(len).fill(Number.NaN);
          on.sigmoidBackward(len, dy, y, out);
          for (let i = 0; i < len; i++) {
            const want = dy[i] * y[i] * (1 - y[i]);
            // Three float32 roundings: at most a few ulps of the result.
            if (!(Math.abs(out[i] - want) <= 4e-7 * Math.abs(want))) {
              expect.fail(`sigmoidBackward len ${len} at ${i}: ${out[i]}, want ${want}`);
            }
          }
        }
      });

      it('columnSums: odd widths, many rows, values over six decades, within two float32 ulps', () => {
        const rng = new Generator(9);
        for (const [m, n] of [
          [1, 1],
          [32, 1],
          [1, 7],
          [32, 64],
          [20, 1000],
          [1000, 3],
          [5000, 33],
          [0, 5],
        ]) {
          const x = Float32Array.from(
            { length: m * n },
            () => rng.normal() * 10 ** Math.floor(rng.uniform(-3, 3)),
          );
          const want = new Float64Array(n);
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want[j] += x[i * n + j];
          const out = new Float32Array(n).fill(Number.NaN);
          on.columnSums(m, n, x, out);
          for (let j = 0; j < n; j++) {
            // Compensated sums: within about an ulp of the exact sum, however many rows.
            const tol = 2 * 2 ** -24 * Math.abs(want[j]) + 1e-30;
            if (!(Math.abs(out[j] - want[j]) <= tol)) {
              expect.fail(`columnSums ${m}x${n} column ${j}: ${out[j]}, want ${want[j]} (|error| > ${tol})`);
            }
          }
        }
      });

      it('adamUpdate: five steps match the float64 update, lengths past a workgroup', () => {
        const rng = new Generator(10);
        for (const len of [1, 641, 20_000]) {
          const param = uniform(len, rng);
          const m = new Float32Array(len);
          const v = new Float32Array(len);
          const p64 = Float64Array.from(param);
          const m64 = new Float64Array(len);
          const v64 = new Float64Array(len);
          for (let step = 1; step <= 5; step++) {
            const grad = uniform(len, rng, -0.1, 0.1);
            if (len > 2) grad[2] = 0;
            const hp: AdamParams = { lr: 0.001 * step, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step };
            on.adamUpdate(len, param, grad, m, v, hp);
            adamUpdateReference(len, p64, Float64Array.from(grad), m64, v64, hp);
          }
          // A step moves a weight by about lr (1e-3): float32 rounding of param dominates.
          for (const [name, got, want, tol] of [
            ['param', param, p64, 1e-6],
            ['m', m, m64, 1e-8],
            ['v', v, v64, 1e-9],
          ] as const) {
            const { worst, at } = worstError(got, want);
            if (!(worst <= tol)) expect.fail(`adam len ${len} ${name}: |error| ${worst} at ${at} > ${tol}`);
          }
        }
      });
    });
  }

  it("settings go back to the device's own when set to auto", () => {
    const own = vulkanWith({ staging: 'auto', gemm: 'auto' }).info;
    const other = own.gemmVariant === 'shared' ? 'direct' : 'shared';
    expect(vulkanWith({ staging: 'always', gemm: other }).info).toMatchObject({
      gemmVariant: other,
      staging: true,
    });
    expect(vulkanWith({ staging: 'auto', gemm: 'auto' }).info).toMatchObject({
      gemmVariant: own.gemmVariant,
      staging: own.staging,
    });
    if (own.type === 'cpu') expect(own.gemmVariant).toBe('direct');
  });

  describe('the staging path keeps device copies while the host bytes stay the same', () => {
    let provider: VulkanProvider;
    let on: ReturnType<typeof kernelsOf>;
    beforeAll(() => {
      provider = vulkanWith({ staging: 'always', gemm: 'auto' });
      on = kernelsOf(provider);
    });

    function check(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array) {
      const ref = new Float64Array(m * n);
      naiveGemm(false, false, m, n, k, 1, Float64Array.from(a), Float64Array.from(b), 0, ref);
      expect(worstError(c, ref).worst).toBeLessThanOrEqual(gemmTolerance('float32', k));
    }

    it('an unchanged input is not uploaded again; a changed one is, whatever changed it', () => {
      expect(provider.info.staging).toBe(true);
      const rng = new Generator(20);
      const [m, n, k] = [40, 50, 60];
      const a = uniform(m * k, rng);
      const b = uniform(k * n, rng);
      const c = new Float32Array(m * n);
      on.gemm(false, false, m, n, k, 1, a, b, 0, c);
      const s0 = provider.stats();
      on.gemm(false, false, m, n, k, 1, a, b, 0, c);
      const s1 = provider.stats();
      expect(s1.uploadsSkipped - s0.uploadsSkipped).toBe(2);
      expect(s1.bytesUploaded - s0.bytesUploaded).toBe(0);
      check(m, n, k, a, b, c);

      // One element of b changed on the host: b goes up again, a does not, the result is b's new one.
      b[n * k - 1] += 1;
      on.gemm(false, false, m, n, k, 1, a, b, 0, c);
      const s2 = provider.stats();
      expect(s2.uploadsSkipped - s1.uploadsSkipped).toBe(1);
      expect(s2.bytesUploaded - s1.bytesUploaded).toBe(4 * k * n);
      check(m, n, k, a, b, c);

      // An output read by the next kernel: its device copy is the one the kernel wrote.
      const d = new Float32Array(m * n);
      on.gemm(false, false, m, n, k, 1, a, b, 0, d);
      const e = new Float32Array(m * m);
      const s3 = provider.stats();
      on.gemm(false, true, m, m, n, 1, d, d, 0, e);
      expect(provider.stats().uploadsSkipped - s3.uploadsSkipped).toBe(1);
      const ref = new Float64Array(m * m);
      naiveGemm(false, true, m, m, n, 1, Float64Array.from(d), Float64Array.from(d), 0, ref);
      expect(worstError(e, ref).worst).toBeLessThanOrEqual(gemmTolerance('float32', n) * 10);
    });

    it('Adam state stays on the device between steps and matches the mapped path', () => {
      const rng = new Generator(21);
      const len = 3000;
      const init = uniform(len, rng);
      const grads = [1, 2, 3, 4].map(() => uniform(len, rng, -0.1, 0.1));
      const run = (p: VulkanProvider) => {
        const k = kernelsOf(p);
        const param = init.slice();
        const m = new Float32Array(len);
        const v = new Float32Array(len);
        grads.forEach((g, i) => {
          k.adamUpdate(len, param, g, m, v, {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            step: i + 1,
          });
        });
        return param;
      };
      const before = provider.stats();
      const staged = run(provider);
      // Steps 2-4 found param, m and v unchanged on the host since step 1 wrote them.
      expect(provider.stats().uploadsSkipped - before.uploadsSkipped).toBe(9);
      const mapped = run(vulkanWith({ staging: 'auto', gemm: 'auto' }));
      expect(worstError(staged, mapped).worst).toBe(0);
    });
  });
});
