import { describe, expect, it } from 'vitest';
import { gruForwardKernel, lstmBackwardKernel } from '../../src/kernels/index.js';
import { tryNative } from './load.js';

// The recurrent fast entries of the addon, called directly: they never throw and never touch memory
// outside the views they are given; a call they cannot take keeps status 1 (the provider then runs
// its TypeScript loop).

const { addon } = tryNative();

describe.skipIf(!addon)('native recurrent fast entries', () => {
  // biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed calls
  const a = addon as any;
  const [B, T, H] = [2, 3, 4];
  const n = B * T * H;
  const f32 = (len: number, v = 0.1) => new Float32Array(len).fill(v);
  /** status after a gruForwardFast call with the given params and views. */
  const gru = (params: number[], views: unknown[]) => {
    const p = Float64Array.from(params);
    a.gruForwardFast(p, ...views);
    return p[0];
  };
  const good = () => [f32(3 * n), f32(3 * H * H), f32(3 * H), f32(B * T, 1), f32(B * H), f32(n), f32(4 * n)];
  // status, bytes, batch, steps, units, resetAfter, rec (2 sigmoid), act (3 tanh), present (ub, mask, h0)
  const params = [1, 4, B, T, H, 1, 2, 3, 7];

  it('runs a valid call and agrees with the reference', () => {
    const views = good();
    expect(gru(params, views)).toBe(0);
    const hs = new Float32Array(n);
    const cache = new Float32Array(4 * n);
    const [xp, u, ub, mask, h0] = views as Float32Array[];
    gruForwardKernel.reference(B, T, H, true, 'sigmoid', 'tanh', xp, u, ub, mask, h0, hs, cache);
    const got = views[5] as Float32Array;
    for (let i = 0; i < n; i++) expect(Math.abs(got[i] - hs[i])).toBeLessThan(1e-6);
  });

  it('keeps status 1 for short, detached or misaligned views, bad sizes and bad codes', () => {
    const gone = f32(3 * n);
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    const cases: Array<[number[], unknown[]]> = [
      [params, [f32(3 * n - 1), ...good().slice(1)]],
      [params, [gone, ...good().slice(1)]],
      [params, [...good().slice(0, 6), f32(4 * n - 1)]],
      [params, [...good().slice(0, 3), f32(B * T - 1), ...good().slice(4)]],
      [params, [...good().slice(0, 4), f32(B * H - 1), ...good().slice(5)]],
      // Long enough, but at an odd byte offset.
      [params, [new Uint8Array(new ArrayBuffer(3 * n * 4 + 4), 1, 3 * n * 4), ...good().slice(1)]],
      [[1, 4, -1, T, H, 1, 2, 3, 7], good()],
      [[1, 4, B, 1.5, H, 1, 2, 3, 7], good()],
      [[1, 4, B, T, Number.NaN, 1, 2, 3, 7], good()],
      [[1, 4, 2 ** 40, 2 ** 20, 2 ** 20, 1, 2, 3, 7], good()],
      [[1, 4, B, T, H, 2, 2, 3, 7], good()],
      [[1, 4, B, T, H, 1, 3, 3, 7], good()],
      [[1, 4, B, T, H, 1, 2, 9, 7], good()],
      [[1, 4, B, T, H, 1, 2, 3, 64], good()],
      [[1, 3, B, T, H, 1, 2, 3, 7], good()],
      [[1, 8, B, T, H, 1, 2, 3, 7], good()],
    ];
    for (const [p, v] of cases) expect(gru(p, v)).toBe(1);
    // Absent optional arrays are not read, whatever is passed in their place.
    const absent = [f32(3 * n), f32(3 * H * H), f32(1), f32(0), f32(1), f32(n), f32(4 * n)];
    expect(gru([1, 4, B, T, H, 1, 2, 3, 0], absent)).toBe(0);
    // Every argument must still be an array view.
    expect(gru([1, 4, B, T, H, 1, 2, 3, 0], [...absent.slice(0, 2), null, ...absent.slice(3)])).toBe(1);
  });

  it('never throws, even without a parameter block or arrays', () => {
    expect(() => a.gruForwardFast(null)).not.toThrow();
    expect(() => a.gruForwardFast(new Float64Array(2), 1, 2, 3, 4, 5, 6, 7)).not.toThrow();
    expect(() =>
      a.lstmBackwardFast(Float64Array.from([1, 4, B, T, H, 0, 2, 3, 0]), ...new Array(12).fill(f32(1))),
    ).not.toThrow();
    const p = Float64Array.from([1, 4, B, T, H, 0, 2, 3, 0]);
    a.lstmBackwardFast(p, ...new Array(12).fill(f32(1)));
    expect(p[0]).toBe(1);
  });

  it('an LSTM backward through the fast entry equals the reference (float64, 1e-12)', () => {
    const f64 = (len: number, seed: number) =>
      Float64Array.from({ length: len }, (_, i) => Math.sin(i * 1.7 + seed) * 0.5);
    const args = [
      B,
      T,
      H,
      'sigmoid',
      'tanh',
      f64(4 * H * H, 1),
      null,
      f64(B * H, 2),
      f64(B * H, 3),
      f64(n, 4),
      f64(n, 5),
      f64(4 * n, 6).map((v) => 0.5 + v / 2),
      f64(n, 7),
    ] as const;
    const want = [
      new Float64Array(4 * n),
      new Float64Array(4 * H * H),
      new Float64Array(B * H),
      new Float64Array(B * H),
    ];
    lstmBackwardKernel.reference(
      ...(args as unknown as [
        number,
        number,
        number,
        'sigmoid',
        'tanh',
        Float64Array,
        null,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
      ]),
      want[0],
      want[1],
      want[2],
      want[3],
    );
    const got = want.map((w) => new Float64Array(w.length));
    const p = Float64Array.from([1, 8, B, T, H, 0, 2, 3, 0b11110]);
    a.lstmBackwardFast(
      p,
      args[5],
      args[5],
      args[7],
      args[8],
      args[9],
      args[10],
      args[11],
      args[12],
      got[0],
      got[1],
      got[2],
      got[3],
    );
    expect(p[0]).toBe(0);
    got.forEach((g, k) => {
      for (let i = 0; i < g.length; i++)
        expect(Math.abs(g[i] - want[k][i])).toBeLessThan(1e-12 * (1 + Math.abs(want[k][i])));
    });
  });
});
