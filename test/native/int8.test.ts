import { describe, expect, it } from 'vitest';
import {
  packedInt8Length,
  packInt8Weights,
  QUANT_MAX,
  quantizeActivations,
  quantizeActivationsReference,
  quantizedDense,
  quantizedDensePacked,
  quantizedDensePackedReference,
  quantizedDenseReference,
  roundHalfEven,
  unpackInt8Weights,
} from '../../src/kernels/declarations/quantized.js';
import type { Activation } from '../../src/kernels/types.js';
import { nativeWithIsas } from './load.js';

const { addon, isas, defaultIsa } = nativeWithIsas();

/** A small deterministic generator (xorshift32), so each case is reproducible. */
function ints(seed: number) {
  let s = seed >>> 0 || 1;
  return (lo: number, hi: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + (s % (hi - lo + 1));
  };
}

/** Weights in [-128, 127], or in [-64, 64] (narrow: the AVX2 kernel then adds pairs in int16). */
function operands(m: number, n: number, k: number, seed: number, narrow = false) {
  const r = ints(seed);
  const x = Uint8Array.from({ length: m * k }, () => r(0, QUANT_MAX));
  // The extremes are where saturation would show: all-127 rows against the widest weights.
  if (m * k > 0) x.fill(QUANT_MAX, 0, Math.min(k, m * k));
  const w = Int8Array.from({ length: n * k }, () => (narrow ? r(-64, 64) : r(-128, 127)));
  if (n * k > 0) w.fill(narrow ? -64 : -128, 0, Math.min(k, n * k));
  if (n * k > k) w.fill(narrow ? 64 : 127, k, Math.min(2 * k, n * k));
  const scale = Float32Array.from({ length: n }, () => r(1, 1000) / 1e5);
  const offset = Float32Array.from({ length: n }, () => (r(0, 2000) - 1000) / 100);
  return { x, w, scale, offset };
}

const sizes: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 17, 257],
  [17, 3, 31],
  [2, 5, 32],
  [5, 4, 33],
  [1, 1024, 64],
  [33, 65, 100],
  [257, 67, 129],
  [64, 130, 1024],
  [7, 1, 2049],
  // The packed kernel (8 rows and more): a panel of exactly 16 channels, k of one partial group.
  [8, 16, 4],
  [9, 17, 5],
  [12, 1, 3],
  [31, 33, 66],
];

describe.skipIf(!addon)('native int8 dense: exact parity with the TypeScript reference', () => {
  for (const isa of isas) {
    for (const [m, n, k] of sizes) {
      for (const [activation, narrow] of [
        ['linear', false],
        ['relu', false],
        ['relu', true],
      ] as Array<[Activation, boolean]>) {
        it(`${isa} ${m}x${n}x${k} ${activation}${narrow ? ', weights in [-64, 64]' : ''}, 1 and 2 threads`, () => {
          addon!.setIsa(isa);
          const { x, w, scale, offset } = operands(m, n, k, m * 7919 + n * 31 + k, narrow);
          const ref = new Float32Array(m * n);
          quantizedDenseReference(m, n, k, x, w, scale, offset, activation, ref);
          for (const t of [1, 2]) {
            addon!.setThreads(t);
            const out = new Float32Array(m * n).fill(Number.NaN);
            addon!.quantizedDense(m, n, k, x, w, scale, offset, activation === 'relu', out);
            expect(Buffer.from(out.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
          }
        });
      }
    }
  }

  it('reports the int8 kernels it runs, following setIsa (never VNNI on a CPU without it)', () => {
    addon!.setIsa('vec128');
    expect(addon!.int8Isa()).toBe('scalar');
    if (addon!.setIsa('avx2')) expect(addon!.int8Isa()).toBe('avx2');
    addon!.setIsa(defaultIsa);
    expect(['avx512vnni', 'avx2', 'scalar']).toContain(addon!.int8Isa());
  });

  it('activation codes match the reference on every ISA, on 1 and 2 threads (chunks on the pool and a tail)', () => {
    // 3 chunks of 16,384 on the pool (the call starts at 65,536 elements), then a partial one.
    const len = 3 * 16_384 + 20_011;
    const x = new Float32Array(len);
    for (let i = 0; i < len; i++) x[i] = Math.sin(i * 0.37) * 9 + (i % 97 === 0 ? Number.NaN : 0);
    const ref = new Uint8Array(len);
    quantizeActivationsReference(len, x, 0.07, 13, ref);
    for (const isa of isas) {
      addon!.setIsa(isa);
      for (const t of [1, 2]) {
        addon!.setThreads(t);
        const out = new Uint8Array(len).fill(255);
        addon!.quantizeActivations(len, x, 0.07, 13, out);
        expect(Buffer.from(out).equals(Buffer.from(ref))).toBe(true);
      }
    }
    addon!.setIsa(defaultIsa);
  });

  it('sigmoid and tanh through the provider match the reference bit for bit', () => {
    const { x, w, scale, offset } = operands(9, 3, 40, 5);
    for (const activation of ['sigmoid', 'tanh'] as Activation[]) {
      const ref = new Float32Array(27);
      const out = new Float32Array(27);
      quantizedDenseReference(9, 3, 40, x, w, scale, offset, activation, ref);
      quantizedDense(9, 3, 40, x, w, scale, offset, activation, out, 'native');
      expect(Array.from(out)).toEqual(Array.from(ref));
    }
  });
});

describe.skipIf(!addon)('native int8 dense: bad inputs are refused before any access', () => {
  const ok = () => operands(4, 3, 5, 1);
  const call = (args: Partial<Record<string, unknown>>) => {
    const { x, w, scale, offset } = ok();
    const a = { m: 4, n: 3, k: 5, x, w, scale, offset, relu: false, out: new Float32Array(12), ...args };
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong types
    const f = addon!.quantizedDense as any;
    return () => f(a.m, a.n, a.k, a.x, a.w, a.scale, a.offset, a.relu, a.out);
  };
  it('short or wrongly typed arrays', () => {
    expect(call({ x: new Uint8Array(19) })).toThrow('quantizedDense: x has 19 elements, needs 20');
    expect(call({ w: new Int8Array(14) })).toThrow('quantizedDense: w has 14 elements, needs 15');
    expect(call({ x: new Int8Array(20) })).toThrow('x must be an Uint8Array, got Int8Array');
    expect(call({ w: new Uint8Array(15) })).toThrow('w must be an Int8Array, got Uint8Array');
    expect(call({ scale: new Float64Array(3) })).toThrow('scale must be a Float32Array');
    expect(call({ offset: new Float32Array(2) })).toThrow('offset has 2 elements, needs 3');
    expect(call({ out: new Float32Array(11) })).toThrow('out has 11 elements, needs 12');
    expect(call({ m: -1 })).toThrow('m must be a non-negative integer');
  });
  it('detached buffers', () => {
    const x = new Uint8Array(20);
    structuredClone(x.buffer, { transfer: [x.buffer] });
    expect(call({ x })).toThrow(/x has 0 elements, needs 20/);
    const out = new Float32Array(12);
    structuredClone(out.buffer, { transfer: [out.buffer] });
    expect(call({ out })).toThrow(/out has 0 elements, needs 12/);
  });
  it('codes above 127', () => {
    const { x } = ok();
    x[13] = 200;
    expect(call({ x })).toThrow('quantizedDense: x[13] is 200; activation codes must be in [0, 127]');
  });
  it('the dispatcher refuses the same calls with the kernel schema', () => {
    const { x, w, scale, offset } = ok();
    const out = new Float32Array(12);
    expect(() => quantizedDense(4, 3, 5, x.subarray(1), w, scale, offset, 'linear', out)).toThrow(
      'quantizedDense: x has 19 elements, needs 20 (4x5)',
    );
    expect(() =>
      quantizedDense(4, 3, 5, x, new Uint8Array(15) as unknown as Int8Array, scale, offset, 'linear', out),
    ).toThrow('quantizedDense: w must be an Int8Array, got Uint8Array');
  });
});

/** Equal bytes: the float32 results bit for bit (NaN, -0 and all). */
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

/** The packed weights with every padding byte (channels past n, bytes past k) set to fill. */
function withPadding(n: number, k: number, packed: Int8Array, fill: number): Int8Array {
  const marked = new Int8Array(packed.length).fill(fill);
  const groups = Math.ceil(k / 4);
  for (let j = 0; j < n; j++) {
    const base = Math.floor(j / 16) * groups * 64 + (j % 16) * 4;
    for (let p = 0; p < k; p++)
      marked[base + (p >> 2) * 64 + (p & 3)] = packed[base + (p >> 2) * 64 + (p & 3)];
  }
  return marked;
}

describe('packed int8 weights', () => {
  it('lays out panels of 16 channels by groups of 4 bytes, zeros in the padding', () => {
    // 17 channels (a second, partial panel) by k = 6 (a partial second group): w[j][p] = 10 * j + p.
    const n = 17;
    const k = 6;
    const w = Int8Array.from({ length: n * k }, (_, i) => 10 * Math.floor(i / k) + (i % k) - 100);
    const packed = packInt8Weights(n, k, w);
    expect(packed.length).toBe(packedInt8Length(n, k));
    expect(packed.length).toBe(32 * 8);
    // Panel 0, group 0: channel 0's bytes 0..3, then channel 1's...
    expect(Array.from(packed.subarray(0, 8))).toEqual([-100, -99, -98, -97, -90, -89, -88, -87]);
    // Panel 0, group 1: channel 0's bytes 4, 5 and two zeros of padding; channel 15 at its end.
    expect(Array.from(packed.subarray(64, 68))).toEqual([-96, -95, 0, 0]);
    expect(Array.from(packed.subarray(124, 128))).toEqual([54, 55, 0, 0]);
    // Panel 1 (from byte 2 groups * 64): channel 16, then 15 channels of zeros.
    expect(Array.from(packed.subarray(128, 132))).toEqual([60, 61, 62, 63]);
    expect(packed.subarray(132, 192).every((v) => v === 0)).toBe(true);
    expect(Array.from(packed.subarray(192, 196))).toEqual([64, 65, 0, 0]);
    expect(packed.subarray(196).every((v) => v === 0)).toBe(true);
  });

  it('unpacks back to the plain weights, whatever the padding holds', () => {
    for (const [, n, k] of sizes) {
      const { w } = operands(1, n, k, n * 13 + k);
      const packed = packInt8Weights(n, k, w);
      expect(Array.from(unpackInt8Weights(n, k, packed))).toEqual(Array.from(w.subarray(0, n * k)));
      expect(Array.from(unpackInt8Weights(n, k, withPadding(n, k, packed, -7)))).toEqual(
        Array.from(w.subarray(0, n * k)),
      );
    }
    expect(() => unpackInt8Weights(17, 5, new Int8Array(255))).toThrow(
      'unpackInt8Weights: packed has 255 elements, needs 256 (17x5)',
    );
  });

  it('refuses bad sizes and short weights', () => {
    expect(() => packInt8Weights(2, 3, new Int8Array(5))).toThrow(
      'packInt8Weights: w has 5 elements, needs 6 (2x3)',
    );
    expect(() => packInt8Weights(-1, 3, new Int8Array(5))).toThrow('non-negative integers');
    expect(packInt8Weights(0, 0, new Int8Array(0)).length).toBe(0);
  });

  it('the packed reference is the plain one bit for bit, whatever the padding holds', () => {
    for (const [m, n, k] of sizes) {
      const { x, w, scale, offset } = operands(m, n, k, m * 31 + n * 7 + k);
      const packed = packInt8Weights(n, k, w);
      for (const activation of ['linear', 'relu', 'sigmoid'] as Activation[]) {
        const ref = new Float32Array(m * n);
        quantizedDenseReference(m, n, k, x, w, scale, offset, activation, ref);
        for (const weights of [packed, withPadding(n, k, packed, 127)]) {
          const out = new Float32Array(m * n).fill(Number.NaN);
          quantizedDensePackedReference(m, n, k, x, weights, scale, offset, activation, out);
          expect(same(out, ref)).toBe(true);
        }
      }
    }
  });
});

describe.skipIf(!addon)('native int8 dense over packed weights: exact parity with the reference', () => {
  // The row counts every kernel takes (8-row blocks, 4, 1) and 2 threads' worth of blocks.
  const packedSizes: Array<[number, number, number]> = [
    ...sizes,
    [1, 1024, 1024],
    [4, 33, 1024],
    [7, 48, 130],
    [40, 1024, 64],
  ];
  for (const isa of isas) {
    it(`${isa}: every size, linear and relu, narrow and full weights, junk in the padding, 1 and 2 threads`, () => {
      addon!.setIsa(isa);
      for (const [m, n, k] of packedSizes) {
        for (const narrow of [false, true]) {
          const { x, w, scale, offset } = operands(m, n, k, m * 7919 + n * 31 + k, narrow);
          const packed = packInt8Weights(n, k, w);
          for (const relu of [false, true]) {
            const ref = new Float32Array(m * n);
            quantizedDenseReference(m, n, k, x, w, scale, offset, relu ? 'relu' : 'linear', ref);
            // Padding bytes outside [-64, 64] also check that they never count, nor turn the AVX2
            // kernel's narrow form on (they make it take the full one).
            for (const weights of [packed, withPadding(n, k, packed, -128), withPadding(n, k, packed, 64)]) {
              for (const t of [1, 2]) {
                addon!.setThreads(t);
                const out = new Float32Array(m * n).fill(Number.NaN);
                addon!.quantizedDensePacked(m, n, k, x, weights, scale, offset, relu, out);
                if (!same(out, ref))
                  throw new Error(`${isa} ${m}x${n}x${k} relu ${relu} narrow ${narrow} ${t} threads`);
              }
            }
          }
        }
      }
      addon!.setIsa(defaultIsa);
    });
  }

  it('one channel of wide weights among narrow ones is found, wherever it is (the AVX2 kernel must not pair its sums in int16)', () => {
    // All codes 127: four products of 127 x 127 in one int16 lane would overflow.
    const n = 20;
    const k = 70;
    for (const isa of isas) {
      addon!.setIsa(isa);
      for (const m of [4, 9, 33]) {
        const x = new Uint8Array(m * k).fill(QUANT_MAX);
        const scale = new Float32Array(n).fill(1);
        const offset = new Float32Array(n);
        for (const j of [0, 10, 19]) {
          for (const wide of [127, -128]) {
            const w = Int8Array.from({ length: n * k }, (_, i) => ((i * 7) % 129) - 64);
            w.fill(wide, j * k, (j + 1) * k);
            const ref = new Float32Array(m * n);
            quantizedDenseReference(m, n, k, x, w, scale, offset, 'linear', ref);
            const out = new Float32Array(m * n);
            addon!.quantizedDensePacked(m, n, k, x, packInt8Weights(n, k, w), scale, offset, false, out);
            expect(same(out, ref)).toBe(true);
            out.fill(0);
            addon!.quantizedDense(m, n, k, x, w, scale, offset, false, out);
            expect(same(out, ref)).toBe(true);
          }
        }
      }
    }
    addon!.setIsa(defaultIsa);
  });

  it('sigmoid and tanh through the provider match the reference bit for bit', () => {
    const { x, w, scale, offset } = operands(9, 3, 40, 5);
    const packed = packInt8Weights(3, 40, w);
    for (const activation of ['sigmoid', 'tanh'] as Activation[]) {
      const ref = new Float32Array(27);
      const out = new Float32Array(27);
      quantizedDenseReference(9, 3, 40, x, w, scale, offset, activation, ref);
      quantizedDensePacked(9, 3, 40, x, packed, scale, offset, activation, out, 'native');
      expect(same(out, ref)).toBe(true);
    }
  });

  it('refuses short or wrongly typed packed weights and codes above 127, in the addon and the dispatcher', () => {
    const { x, w, scale, offset } = operands(4, 17, 5, 1);
    const packed = packInt8Weights(17, 5, w); // 32 channels x 8 bytes
    const out = new Float32Array(4 * 17);
    expect(() =>
      addon!.quantizedDensePacked(4, 17, 5, x, packed.subarray(1), scale, offset, false, out),
    ).toThrow('quantizedDensePacked: packed has 255 elements, needs 256');
    expect(() =>
      addon!.quantizedDensePacked(
        4,
        17,
        5,
        x,
        new Uint8Array(256) as unknown as Int8Array,
        scale,
        offset,
        false,
        out,
      ),
    ).toThrow('packed must be an Int8Array, got Uint8Array');
    expect(() => quantizedDensePacked(4, 17, 5, x, packed.subarray(1), scale, offset, 'linear', out)).toThrow(
      'quantizedDensePacked: packed has 255 elements, needs 256 (17x5, each rounded up to a multiple of 16x4)',
    );
    // The plain weights' length (17 x 5) is not enough: the packed layout needs its padding.
    expect(() => quantizedDensePacked(4, 17, 5, x, w, scale, offset, 'linear', out)).toThrow('needs 256');
    const bad = x.slice();
    bad[6] = 128;
    expect(() => addon!.quantizedDensePacked(4, 17, 5, bad, packed, scale, offset, false, out)).toThrow(
      'quantizedDensePacked: x[6] is 128; activation codes must be in [0, 127]',
    );
    expect(() => quantizedDensePacked(4, 17, 5, bad, packed, scale, offset, 'linear', out, 'js')).toThrow(
      'x[6] is 128',
    );
  });
});

describe('activation quantization', () => {
  it('rounds half to even, as QuantizeLinear does', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 3.7].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 4]);
  });
  it('clamps to [0, 127], NaN to 0, infinities to the ends', () => {
    const x = Float32Array.from([
      -1e30,
      -1,
      0,
      0.25,
      1,
      1e30,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -Infinity,
    ]);
    const out = new Uint8Array(x.length);
    quantizeActivationsReference(x.length, x, 0.5, 10, out);
    expect(Array.from(out)).toEqual([0, 8, 10, 10, 12, 127, 0, 127, 0]);
  });
  it('refuses bad scales and zero points', () => {
    const x = new Float32Array(4);
    const out = new Uint8Array(4);
    expect(() => quantizeActivations(4, x, 0, 0, out)).toThrow(
      'scale must be a positive finite float32, got 0',
    );
    expect(() => quantizeActivations(4, x, 1, 128, out)).toThrow('zeroPoint must be an integer in [0, 127]');
    expect(() => quantizeActivations(4, x, 1, 0, new Uint8Array(3))).toThrow('out has 3 elements, needs 4');
  });
  it.skipIf(!addon)('native matches the reference on every ISA, including ties, NaN and huge values', () => {
    const r = ints(99);
    for (const len of [1, 7, 31, 32, 33, 100, 1000]) {
      const x = Float32Array.from({ length: len }, () => (r(0, 4000) - 2000) / 64);
      const specials = [Number.NaN, 1e30, -1e30, 0.125, 0.375, -0.125, Number.POSITIVE_INFINITY];
      specials.forEach((v, i) => {
        if (i < len) x[(i * 13) % len] = v;
      });
      for (const isa of isas) {
        addon!.setIsa(isa);
        for (const [scale, zp] of [
          [0.25, 40],
          [0.1, 0],
          [3, 127],
        ]) {
          const ref = new Uint8Array(len);
          const out = new Uint8Array(len).fill(255);
          quantizeActivationsReference(len, x, scale, zp, ref);
          addon!.quantizeActivations(len, x, scale, zp, out);
          expect(Array.from(out), `${isa} len ${len} scale ${scale}`).toEqual(Array.from(ref));
        }
      }
    }
    addon!.setIsa(defaultIsa);
  });
});
