import { afterAll, describe, expect, it } from 'vitest';
import {
  type Activation,
  type AdamParams,
  adamUpdate,
  adamUpdateReference,
  applyBiasActivation,
  columnSums,
  type GpuProvider,
  getProvider,
  naiveGemm,
  reluBackward,
  requestedGpuMode,
  setGpuMode,
  setWarningSink,
} from '../../src/kernels/index.js';
import { Generator } from '../../src/random.js';
import { describeCase, type GemmCase, gemmCases, gemmTolerance, runParityCase } from '../helpers/gemm.js';
import { probeGpuModes, requiredGpuModes } from '../helpers/gpu.js';
import { kernelsOf } from '../helpers/kernels.js';

const probes = probeGpuModes();
const reachable = probes.filter(
  (p): p is { mode: (typeof p)['mode']; provider: GpuProvider } => !!p.provider,
);
afterAll(() => {
  for (const p of reachable) p.provider.destroy();
});

function uniform(len: number, rng: Generator, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

function worstError(got: ArrayLike<number>, want: ArrayLike<number>): { worst: number; at: number } {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  return { worst, at };
}

describe('gpu modes', () => {
  it('at least one gpu.js mode runs here (cpu always can)', () => {
    expect(reachable.map((p) => p.mode)).toContain('cpu');
  });
  for (const mode of requiredGpuModes()) {
    it(`required mode ${mode} runs (TENSORGRAD_REQUIRE_GPU_MODES)`, () => {
      const probe = probes.find((p) => p.mode === mode)!;
      expect(probe.reason, `${mode} is required but skipped`).toBeUndefined();
    });
  }
  for (const p of probes.filter((q) => !q.provider)) {
    it.skip(`${p.mode}: skipped here: ${p.reason}`, () => {});
  }
});

// Large k and odd sizes on top of the shared fixed shapes.
const extraCases: GemmCase[] = [];
for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    extraCases.push({ transA, transB, m: 17, n: 13, k: 1000, alpha: 1, beta: 0 });
    extraCases.push({ transA, transB, m: 3, n: 31, k: 1001, alpha: -0.5, beta: 0.25 });
  }
}
extraCases.push({ transA: false, transB: false, m: 1, n: 1, k: 4097, alpha: 2, beta: 1 });

describe.each(reachable.map((p) => [p.mode, p.provider] as const))('gpu kernels, mode %s', (mode, gpu) => {
  const on = kernelsOf(gpu);
  it('describe() names the mode it runs on', () => {
    expect(gpu.describe?.()).toMatch(new RegExp(`mode ${mode}\\b`));
  });

  it('gemm: every transpose, odd sizes, k up to 4097, alpha and beta, against float64', () => {
    const cases = [...gemmCases(77, 4), ...extraCases];
    let ratio = 0;
    let worstAbs = 0;
    cases.forEach((c, i) => {
      const { worst, tol, at } = runParityCase(gpu, 'float32', c, 500 + i);
      if (!(worst <= tol)) expect.fail(`${mode} ${describeCase(c)}: |error| ${worst} at ${at} > ${tol}`);
      ratio = Math.max(ratio, worst / tol);
      worstAbs = Math.max(worstAbs, worst);
    });
    // The margin actually reached, for the record (the closing note of issue 4 quotes it).
    console.info(
      `gpu parity ${mode}: ${cases.length} gemm shapes, worst |error| ${worstAbs.toExponential(2)}, ` +
        `at most ${(100 * ratio).toFixed(1)}% of the float32 tolerance`,
    );
  });

  it('gemm rejects float64 with the array named', () => {
    const a = new Float64Array(4);
    expect(() => on.gemm(false, false, 2, 2, 2, 1, a, a, 0, a)).toThrow(/gemm: a must be a Float32Array/);
  });

  const activations: Activation[] = ['linear', 'relu', 'sigmoid', 'tanh'];
  const denseShapes: Array<[number, number, number]> = [
    [32, 64, 10],
    [7, 1, 33],
    [1, 5, 1000],
    [33, 17, 129],
  ];
  it('denseForward: every activation, with and without bias, against float64', () => {
    const rng = new Generator(7);
    for (const [m, n, k] of denseShapes) {
      for (const act of activations) {
        for (const withBias of [true, false]) {
          const x = uniform(m * k, rng);
          const w = uniform(k * n, rng);
          const bias = withBias ? uniform(n, rng) : null;
          const ref = new Float64Array(m * n);
          naiveGemm(false, false, m, n, k, 1, Float64Array.from(x), Float64Array.from(w), 0, ref);
          applyBiasActivation(m, n, bias ? Float64Array.from(bias) : null, act, ref);
          const out = new Float32Array(m * n).fill(Number.NaN);
          on.denseForward(m, n, k, x, w, bias, act, out);
          // Activations here are 1-Lipschitz; exp adds a few float32 ulps.
          const tol = gemmTolerance('float32', k) + 1e-6;
          const { worst, at } = worstError(out, ref);
          if (!(worst <= tol)) {
            expect.fail(
              `${mode} dense ${m}x${n}x${k} ${act} bias=${withBias}: |error| ${worst} at ${at} > ${tol}`,
            );
          }
        }
      }
    }
  });

  it('reluBackward: exact, zero gives zero, lengths past one chunk', () => {
    const rng = new Generator(8);
    for (const len of [1, 1001, 40_000]) {
      const dy = uniform(len, rng);
      const y = uniform(len, rng);
      y[0] = 0;
      const out = new Float32Array(len).fill(Number.NaN);
      on.reluBackward(len, dy, y, out);
      const want = Float32Array.from(dy, (d, i) => (y[i] > 0 ? d : 0));
      expect(worstError(out, want).worst, `${mode} len ${len}`).toBe(0);
    }
  });

  it('sigmoidBackward: within float32 rounding of float64, lengths past one chunk', () => {
    const rng = new Generator(12);
    for (const len of [1, 1001, 40_000]) {
      const dy = uniform(len, rng, -10, 10);
      const y = uniform(len, rng, 0, 1);
      y[0] = 1;
      const out = new Float32Array(len).fill(Number.NaN);
      on.sigmoidBackward(len, dy, y, out);
      const want = Float64Array.from(dy, (d, i) => d * y[i] * (1 - y[i]));
      const { worst, at } = worstError(out, want);
      if (!(worst <= 4e-6)) expect.fail(`${mode} sigmoidBackward len ${len}: |error| ${worst} at ${at}`);
    }
  });

  it('columnSums: odd widths and 1000 rows, against float64', () => {
    const rng = new Generator(9);
    for (const [m, n] of [
      [32, 64],
      [1, 7],
      [1000, 3],
      [33, 1],
    ]) {
      const x = uniform(m * n, rng);
      const want = new Float64Array(n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want[j] += x[i * n + j];
      const out = new Float32Array(n).fill(Number.NaN);
      on.columnSums(m, n, x, out);
      const tol = gemmTolerance('float32', m);
      const { worst, at } = worstError(out, want);
      if (!(worst <= tol)) expect.fail(`${mode} columnSums ${m}x${n}: |error| ${worst} at ${at} > ${tol}`);
    }
  });

  it('adamUpdate: three steps match the float64 update, lengths past one chunk', () => {
    const rng = new Generator(10);
    for (const len of [1, 641, 20_000]) {
      const param = uniform(len, rng);
      const m = new Float32Array(len);
      const v = new Float32Array(len);
      const p64 = Float64Array.from(param);
      const m64 = new Float64Array(len);
      const v64 = new Float64Array(len);
      for (let step = 1; step <= 3; step++) {
        const grad = uniform(len, rng, -0.1, 0.1);
        const hp: AdamParams = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step };
        on.adamUpdate(len, param, grad, m, v, hp);
        adamUpdateReference(len, p64, Float64Array.from(grad), m64, v64, hp);
      }
      // Adam's step is about lr in size: float32 rounding of param dominates.
      for (const [name, got, want, tol] of [
        ['param', param, p64, 1e-6],
        ['m', m, m64, 1e-7],
        ['v', v, v64, 1e-8],
      ] as const) {
        const { worst, at } = worstError(got, want);
        if (!(worst <= tol))
          expect.fail(`${mode} adam len ${len} ${name}: |error| ${worst} at ${at} > ${tol}`);
      }
    }
  });

  it('a training step of the seed model compiles its kernels once, not per step', () => {
    const rng = new Generator(11);
    const sizes = [10, 64, 32, 1];
    const batch = 32;
    const weights = sizes.slice(1).map((n, l) => uniform(sizes[l] * n, rng, -0.3, 0.3));
    const biases = sizes.slice(1).map((n) => new Float32Array(n));
    const moments = [...weights, ...biases].map((p) => [
      new Float32Array(p.length),
      new Float32Array(p.length),
    ]);
    const x = uniform(batch * sizes[0], rng);
    const step = (t: number) => {
      const acts = [x];
      for (let l = 0; l < 3; l++) {
        const out = new Float32Array(batch * sizes[l + 1]);
        const act = l === 2 ? 'sigmoid' : 'relu';
        on.denseForward(batch, sizes[l + 1], sizes[l], acts[l], weights[l], biases[l], act, out);
        acts.push(out);
      }
      let dy = uniform(batch, rng, -0.01, 0.01);
      const params = [...weights, ...biases];
      const grads = params.map((p) => new Float32Array(p.length));
      for (let l = 2; l >= 0; l--) {
        const [k, n] = [sizes[l], sizes[l + 1]];
        on.gemm(true, false, k, n, batch, 1, acts[l], dy, 0, grads[l]);
        on.columnSums(batch, n, dy, grads[3 + l]);
        if (l > 0) {
          const dx = new Float32Array(batch * k);
          on.gemm(false, true, batch, k, n, 1, dy, weights[l], 0, dx);
          on.reluBackward(dx.length, dx, acts[l], dx);
          dy = dx;
        }
      }
      params.forEach((p, i) => {
        const hp = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: t };
        on.adamUpdate(p.length, p, grads[i], moments[i][0], moments[i][1], hp);
      });
    };
    step(1);
    const afterFirst = gpu.compilations;
    for (let t = 2; t <= 6; t++) step(t);
    expect(gpu.compilations).toBe(afterFirst);
    expect(weights.every((w) => w.every(Number.isFinite))).toBe(true);
  });
});

describe('gpu mode selection', () => {
  afterAll(() => setGpuMode('auto'));

  it('TENSORGRAD_GPU_MODE is read and checked, naming the bad value', () => {
    const saved = process.env.TENSORGRAD_GPU_MODE;
    try {
      process.env.TENSORGRAD_GPU_MODE = 'cpu';
      expect(requestedGpuMode()).toBe('cpu');
      process.env.TENSORGRAD_GPU_MODE = 'cuda';
      expect(() => requestedGpuMode()).toThrow(/TENSORGRAD_GPU_MODE is 'cuda'; expected auto, headlessgl/);
    } finally {
      if (saved === undefined) delete process.env.TENSORGRAD_GPU_MODE;
      else process.env.TENSORGRAD_GPU_MODE = saved;
    }
  });

  it('setGpuMode forces a mode and the provider reports it', () => {
    setGpuMode('cpu');
    const p = getProvider('gpu') as GpuProvider;
    expect(p.mode).toBe('cpu');
    expect(p.describe?.()).toMatch(/mode cpu/);
    expect(() => setGpuMode('opengl' as 'cpu')).toThrow(/setGpuMode is 'opengl'/);
  });

  it('auto picks the best reachable mode and lists what it skipped', () => {
    setGpuMode('auto');
    const p = getProvider('gpu') as GpuProvider;
    expect(p.mode).toBe(reachable[0].mode);
    // Every mode ranked above the chosen one was tried and skipped.
    const before = probes
      .slice(
        0,
        probes.findIndex((q) => q.mode === p.mode),
      )
      .map((q) => q.mode);
    expect(p.skipped.map((s) => s.mode)).toEqual(before);
  });

  it('a forced mode that cannot start makes the provider unavailable with one line', () => {
    const lines: string[] = [];
    setWarningSink((line) => lines.push(line));
    try {
      setGpuMode('webgl2');
      expect(() => getProvider('gpu')).toThrow(/'gpu' is unavailable: gpu.js mode webgl2: no WebGL2 canvas/);
      expect(() => getProvider('gpu')).toThrow(/unavailable/);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /the 'gpu' kernel provider is unavailable \(gpu.js mode webgl2.*\); using the TypeScript/,
      );
    } finally {
      setWarningSink((line) => process.stderr.write(`${line}\n`));
    }
  });
});

describe('training-step kernels through the dispatcher (TypeScript fallbacks)', () => {
  it('reluBackward, columnSums and adamUpdate run in float64 on js', () => {
    const out = new Float64Array(3);
    reluBackward(3, Float64Array.of(1, 2, 3), Float64Array.of(-1, 0, 5), out, 'js');
    expect([...out]).toEqual([0, 0, 3]);
    const sums = new Float64Array(2);
    columnSums(3, 2, Float64Array.of(1, 2, 3, 4, 5, 6), sums, 'js');
    expect([...sums]).toEqual([9, 12]);
    const p = Float64Array.of(1);
    const m = new Float64Array(1);
    const v = new Float64Array(1);
    adamUpdate(
      1,
      p,
      Float64Array.of(0.5),
      m,
      v,
      { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 0, step: 1 },
      'js',
    );
    // First Adam step moves by exactly lr against the gradient's sign.
    expect(p[0]).toBeCloseTo(0.9, 12);
    expect(m[0]).toBeCloseTo(0.05, 12);
    expect(v[0]).toBeCloseTo(0.00025, 12);
  });

  it('the gpu provider (float32 only) is refused for float64 with the reason', () => {
    setGpuMode('cpu');
    expect(() =>
      reluBackward(1, new Float64Array(1), new Float64Array(1), new Float64Array(1), 'gpu'),
    ).toThrow(/'gpu' does not support float64/);
    setGpuMode('auto');
  });

  it('argument checks name the array, the need and the step', () => {
    const f = new Float32Array(4);
    expect(() => reluBackward(5, f, f, f, 'js')).toThrow(/reluBackward: out has 4 elements, needs 5/);
    expect(() => columnSums(3, 2, f, f, 'js')).toThrow(/columnSums: x has 4 elements, needs 6/);
    expect(() => columnSums(2, 2, new Float64Array(4), f, 'js')).toThrow(/x is float64 but out is float32/);
    const hp = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 0 };
    expect(() => adamUpdate(4, f, f, f, f, hp, 'js')).toThrow(/step counts from 1, got 0/);
    expect(() => adamUpdate(4, f, f, new Float32Array(2), f, { ...hp, step: 1 }, 'js')).toThrow(
      /adamUpdate: m has 2 elements, needs 4/,
    );
  });
});
