import { describe, expect, it } from 'vitest';
import {
  availableProviders,
  col2im1d,
  col2im1dReference,
  type Dtype,
  type FloatArray,
  gruBackwardKernel,
  gruForward,
  gruForwardKernel,
  im2col1d,
  im2col1dReference,
  implementationOf,
  type Kernel,
  type KernelProvider,
  lstmBackwardKernel,
  lstmForward,
  lstmForwardKernel,
  rnnBackwardKernel,
  rnnForwardKernel,
} from '../../src/kernels/index.js';
import { Generator } from '../../src/random.js';

// The recurrent kernels of every provider that has its own (and the references, through js-naive)
// against the float64 reference, on odd sizes, with and without masks and initial states; then
// the dispatcher's refusals; then im2col / col2im.

const providers = availableProviders().filter(
  (p) => p.name === 'js-naive' || p.kernels.some((k) => k.kernel === gruForwardKernel),
);

interface Case {
  batch: number;
  steps: number;
  units: number;
  masked: boolean;
  withState: boolean;
}
const CASES: Case[] = [
  { batch: 1, steps: 1, units: 1, masked: false, withState: false },
  { batch: 3, steps: 5, units: 7, masked: true, withState: true },
  { batch: 2, steps: 4, units: 5, masked: true, withState: false },
  { batch: 5, steps: 3, units: 17, masked: false, withState: true },
];
const label = (c: Case) =>
  `batch ${c.batch}, steps ${c.steps}, units ${c.units}${c.masked ? ', masked' : ''}${c.withState ? ', initial state' : ''}`;

/** A random float64 array; copies of it in either dtype. */
function draw(rng: Generator, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-scale, scale));
}
const as = (dtype: Dtype, a: Float64Array | null): FloatArray | null =>
  a === null ? null : dtype === 'float64' ? a.slice() : Float32Array.from(a);
const zeros = (dtype: Dtype, n: number): FloatArray =>
  dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);

/** A mask with a padded step at the end of example 0 and at the start of the last example. */
function maskOf(c: Case): Float64Array | null {
  if (!c.masked) return null;
  const m = new Float64Array(c.batch * c.steps).fill(1);
  m[c.steps - 1] = 0;
  m[(c.batch - 1) * c.steps] = 0;
  return m;
}

/**
 * Runs `call` on the float64 reference and on the provider's own kernel in `dtype`, on the same
 * values, and returns the largest difference over the outputs relative to the tolerance.
 */
function compare(
  provider: KernelProvider,
  kernel: Kernel,
  dtype: Dtype,
  inputs: Array<Float64Array | null | number | boolean | string>,
  outputs: number[],
  tol: number,
): { ratio: number; at: string } {
  const wide = inputs.map((v) => (v instanceof Float64Array ? v.slice() : v));
  const narrow = inputs.map((v) => (v instanceof Float64Array ? as(dtype, v) : v));
  for (const i of outputs) {
    wide[i] = new Float64Array((inputs[i] as Float64Array).length);
    narrow[i] = zeros(dtype, (inputs[i] as Float64Array).length);
  }
  kernel.reference(...wide);
  implementationOf(provider, kernel)(...narrow);
  let ratio = 0;
  let at = '';
  for (const i of outputs) {
    const want = wide[i] as Float64Array;
    const got = narrow[i] as FloatArray;
    for (let e = 0; e < want.length; e++) {
      const r = Math.abs(got[e] - want[e]) / (tol * (1 + Math.abs(want[e])));
      if (!(r <= ratio)) {
        ratio = r;
        at = `argument ${kernel.args[i].name} element ${e}: ${got[e]}, reference ${want[e]}`;
      }
    }
  }
  return { ratio, at };
}

describe.each(providers.map((p) => [p.name, p] as const))('recurrent kernels on %s', (_name, provider) => {
  for (const dtype of provider.dtypes) {
    const tol = dtype === 'float64' ? 1e-12 : 2e-5;
    it.each(CASES.map((c) => [label(c), c] as const))(`${dtype}: %s`, (_l, c) => {
      const rng = new Generator(c.batch * 100 + c.steps * 10 + c.units);
      const { batch: B, steps: T, units: H } = c;
      const mask = maskOf(c);
      const h0 = c.withState ? draw(rng, B * H, 0.5) : null;
      const c0 = c.withState ? draw(rng, B * H, 0.5) : null;
      const n = B * T * H;
      const dhs = draw(rng, n);
      const checks: Array<[string, { ratio: number; at: string }]> = [];
      const check = (what: string, r: { ratio: number; at: string }) => checks.push([what, r]);

      // SimpleRNN, tanh and relu; the forward's hs feeds the backward.
      for (const act of ['tanh', 'relu'] as const) {
        const xp = draw(rng, n);
        const u = draw(rng, H * H, 0.6);
        const hs = new Float64Array(n);
        rnnForwardKernel.reference(B, T, H, act, xp, u, mask, h0, hs);
        check(
          `rnnForward ${act}`,
          compare(provider, rnnForwardKernel, dtype, [B, T, H, act, xp, u, mask, h0, hs], [8], tol),
        );
        check(
          `rnnBackward ${act}`,
          compare(
            provider,
            rnnBackwardKernel,
            dtype,
            [
              B,
              T,
              H,
              act,
              u,
              mask,
              h0,
              hs,
              dhs,
              new Float64Array(n),
              new Float64Array(H * H),
              h0 ? new Float64Array(B * H) : null,
            ],
            h0 ? [9, 10, 11] : [9, 10],
            tol,
          ),
        );
      }
      // GRU with and without resetAfter, sigmoid and hard sigmoid gates.
      for (const [resetAfter, rec] of [
        [true, 'sigmoid'],
        [false, 'hardSigmoid'],
      ] as const) {
        const xp = draw(rng, 3 * n);
        const u = draw(rng, 3 * H * H, 0.6);
        const ub = resetAfter ? draw(rng, 3 * H, 0.3) : null;
        const hs = new Float64Array(n);
        const cache = new Float64Array(4 * n);
        gruForwardKernel.reference(B, T, H, resetAfter, rec, 'tanh', xp, u, ub, mask, h0, hs, cache);
        check(
          `gruForward resetAfter ${resetAfter}`,
          compare(
            provider,
            gruForwardKernel,
            dtype,
            [B, T, H, resetAfter, rec, 'tanh', xp, u, ub, mask, h0, hs, cache],
            [11, 12],
            tol,
          ),
        );
        const outs = [12, 13, ...(ub ? [14] : []), ...(h0 ? [15] : [])];
        check(
          `gruBackward resetAfter ${resetAfter}`,
          compare(
            provider,
            gruBackwardKernel,
            dtype,
            [
              B,
              T,
              H,
              resetAfter,
              rec,
              'tanh',
              u,
              mask,
              h0,
              hs,
              cache,
              dhs,
              new Float64Array(3 * n),
              new Float64Array(3 * H * H),
              ub ? new Float64Array(3 * H) : null,
              h0 ? new Float64Array(B * H) : null,
            ],
            outs,
            tol,
          ),
        );
      }
      // LSTM.
      {
        const xp = draw(rng, 4 * n);
        const u = draw(rng, 4 * H * H, 0.6);
        const hs = new Float64Array(n);
        const cs = new Float64Array(n);
        const cache = new Float64Array(4 * n);
        lstmForwardKernel.reference(B, T, H, 'sigmoid', 'tanh', xp, u, mask, h0, c0, hs, cs, cache);
        check(
          'lstmForward',
          compare(
            provider,
            lstmForwardKernel,
            dtype,
            [B, T, H, 'sigmoid', 'tanh', xp, u, mask, h0, c0, hs, cs, cache],
            [10, 11, 12],
            tol,
          ),
        );
        const outs = [13, 14, ...(h0 ? [15, 16] : [])];
        check(
          'lstmBackward',
          compare(
            provider,
            lstmBackwardKernel,
            dtype,
            [
              B,
              T,
              H,
              'sigmoid',
              'tanh',
              u,
              mask,
              h0,
              c0,
              hs,
              cs,
              cache,
              dhs,
              new Float64Array(4 * n),
              new Float64Array(4 * H * H),
              h0 ? new Float64Array(B * H) : null,
              c0 ? new Float64Array(B * H) : null,
            ],
            outs,
            tol,
          ),
        );
      }
      for (const [what, r] of checks) {
        if (!(r.ratio <= 1)) expect.fail(`${provider.name} ${dtype} ${what}: ${r.at} (tolerance ${tol})`);
      }
    });
  }
});

describe('recurrent kernels: masked steps carry the state', () => {
  it('gruForward: a masked step repeats the previous output; its cache is zero', () => {
    const [B, T, H] = [1, 3, 2];
    const rng = new Generator(1);
    const hs = new Float64Array(B * T * H);
    const cache = new Float64Array(4 * B * T * H);
    gruForward(
      B,
      T,
      H,
      true,
      'sigmoid',
      'tanh',
      draw(rng, 3 * B * T * H),
      draw(rng, 3 * H * H),
      null,
      Float64Array.of(1, 0, 1),
      null,
      hs,
      cache,
    );
    expect(Array.from(hs.subarray(2, 4))).toEqual(Array.from(hs.subarray(0, 2)));
    expect(Array.from(cache.subarray(8, 16))).toEqual(new Array(8).fill(0));
    expect(hs[4]).not.toBe(hs[2]);
  });
});

describe('recurrent kernels: the dispatcher refuses bad calls before a provider runs', () => {
  const f32 = (n: number) => new Float32Array(n);
  const f64 = (n: number) => new Float64Array(n);
  const [B, T, H] = [2, 2, 3];
  const n = B * T * H;
  const gru = (...over: Array<[number, unknown]>) => {
    const args: unknown[] = [
      B,
      T,
      H,
      true,
      'sigmoid',
      'tanh',
      f32(3 * n),
      f32(3 * H * H),
      f32(3 * H),
      null,
      null,
      f32(n),
      f32(4 * n),
    ];
    for (const [i, v] of over) args[i] = v;
    return () => (gruForward as (...a: unknown[]) => void)(...args);
  };
  it('names the short array with the shape it needed', () => {
    expect(gru([6, f32(3 * n - 1)])).toThrow(/^gruForward: xp has 35 elements, needs 36 \(2x2x3\*3\)$/);
    expect(gru([7, f32(3 * H * H - 1)])).toThrow(/u has 26 elements, needs 27 \(3x3\*3\)/);
    expect(gru([8, f32(3)])).toThrow(/ub has 3 elements, needs 9 \(3\*3\)/);
    expect(gru([9, f32(3)])).toThrow(/mask has 3 elements, needs 4 \(2x2\)/);
    expect(gru([12, f32(4 * n - 4)])).toThrow(/cache has 44 elements, needs 48 \(2x2x4\*3\)/);
  });
  it('refuses mixed element types, unknown activations and non-boolean flags', () => {
    expect(gru([9, f64(4)])).toThrow(/mask is float64 but hs is float32/);
    expect(gru([5, 'softmax'])).toThrow(
      /activation must be one of linear, relu, sigmoid, tanh, got 'softmax'/,
    );
    expect(gru([4, 'relu'])).toThrow(/recurrentActivation must be one of sigmoid, hardSigmoid, got 'relu'/);
    expect(gru([3, 1])).toThrow(/resetAfter must be a boolean, got a number/);
    expect(gru([2, -1])).toThrow(/units must be a non-negative integer, got -1/);
  });
  it('LSTM: h0 and c0 of the wrong length', () => {
    const args: unknown[] = [
      B,
      T,
      H,
      'sigmoid',
      'tanh',
      f32(4 * n),
      f32(4 * H * H),
      null,
      f32(B * H),
      f32(B * H - 1),
      f32(n),
      f32(n),
      f32(4 * n),
    ];
    expect(() => (lstmForward as (...a: unknown[]) => void)(...args)).toThrow(
      /c0 has 5 elements, needs 6 \(2x3\)/,
    );
  });
});

describe('im2col1d / col2im1d', () => {
  const geometries = [
    // batch, steps, channels, kernelSize, outSteps, stride, dilation, padLeft
    [1, 1, 1, 1, 1, 1, 1, 0],
    [2, 7, 3, 3, 5, 1, 1, 0],
    [3, 6, 2, 2, 3, 2, 1, 0],
    [2, 5, 3, 3, 5, 1, 2, 2],
    [1, 9, 1, 4, 5, 2, 1, 2],
  ];
  it.each(geometries.map((g) => [g.join(','), g] as const))(
    "geometry %s: windows by definition; col2im is im2col's adjoint",
    (_l, g) => {
      const [B, T, C, K, To, s, d, left] = g;
      const rng = new Generator(T * 7 + K);
      const x = draw(rng, B * T * C);
      const cols = new Float64Array(B * To * K * C).fill(Number.NaN);
      im2col1d(B, T, C, K, To, s, d, left, x, cols);
      for (let b = 0; b < B; b++)
        for (let t = 0; t < To; t++)
          for (let k = 0; k < K; k++)
            for (let c = 0; c < C; c++) {
              const pos = t * s + k * d - left;
              const want = pos >= 0 && pos < T ? x[(b * T + pos) * C + c] : 0;
              expect(cols[((b * To + t) * K + k) * C + c]).toBe(want);
            }
      // <im2col(x), y> = <x, col2im(y)>
      const y = draw(rng, cols.length);
      const back = new Float64Array(x.length).fill(Number.NaN);
      col2im1d(B, T, C, K, To, s, d, left, y, back);
      let lhs = 0;
      let rhs = 0;
      for (let i = 0; i < cols.length; i++) lhs += cols[i] * y[i];
      for (let i = 0; i < x.length; i++) rhs += x[i] * back[i];
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * (1 + Math.abs(lhs)));
      // float32 gives the float64 values rounded.
      const cols32 = new Float32Array(cols.length);
      im2col1dReference(B, T, C, K, To, s, d, left, Float32Array.from(x), cols32);
      expect(Array.from(cols32)).toEqual(Array.from(Float32Array.from(cols)));
      const back32 = new Float32Array(x.length);
      col2im1dReference(B, T, C, K, To, s, d, left, Float32Array.from(y), back32);
      for (let i = 0; i < x.length; i++)
        expect(Math.abs(back32[i] - back[i])).toBeLessThan(1e-5 * (1 + Math.abs(back[i])));
    },
  );
  it('refuses short arrays and mixed types', () => {
    const call =
      (...a: unknown[]) =>
      () =>
        (im2col1d as (...x: unknown[]) => void)(...a);
    expect(call(2, 5, 3, 3, 3, 1, 1, 0, new Float32Array(29), new Float32Array(54))).toThrow(
      /im2col1d: x has 29 elements, needs 30 \(2x5x3\)/,
    );
    expect(call(2, 5, 3, 3, 3, 1, 1, 0, new Float32Array(30), new Float32Array(53))).toThrow(
      /cols has 53 elements, needs 54 \(2x3x3x3\)/,
    );
    expect(call(2, 5, 3, 3, 3, 1, 1, 0, new Float64Array(30), new Float32Array(54))).toThrow(
      /x is float64 but cols is float32/,
    );
  });
});
