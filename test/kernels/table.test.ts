import { afterEach, describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';
import {
  adamUpdateKernel,
  columnSumsKernel,
  declareKernel,
  denseDropoutForward,
  denseForwardKernel,
  dispatcher,
  dropoutForwardReference,
  type FloatArray,
  gemmKernel,
  gruForwardKernel,
  im2col1dKernel,
  implement,
  implementationOf,
  type Kernel,
  type KernelFn,
  type KernelProvider,
  lstmBackwardKernel,
  packedBlock,
  registerKernel,
  registerLazyProvider,
  registerProvider,
  reluBackwardKernel,
  reluDropoutBackward,
  scalar,
  sigmoidBackwardKernel,
  sigmoidBackwardReference,
  size,
  unregisterProvider,
  vector,
  withProvider,
} from '../../src/kernels/index.js';
import { dense } from '../../src/ops/dense.js';
import { Generator } from '../../src/random.js';

// The kernel table itself: declarations, their checks, registration, selection and fallback.

/** out[i] = alpha * x[i]: a kernel declared only for these tests. */
function scaleReference(len: number, alpha: number, x: FloatArray, out: FloatArray): void {
  for (let i = 0; i < len; i++) out[i] = alpha * x[i];
}
const scaleKernel = declareKernel({
  name: 'testScale',
  args: [size('len'), scalar('alpha'), vector('x', 'len'), vector('out', 'len')],
  dtypeFrom: 'out',
  work: { sizes: ['len'], scale: 1 },
  reference: scaleReference,
});
const scale = dispatcher(scaleKernel);

const registered: string[] = [];
function provider(name: string, kernels: KernelProvider['kernels'] = []): KernelProvider {
  registered.push(name);
  return { name, dtypes: ['float32', 'float64'], kernels };
}
afterEach(() => {
  for (const name of registered.splice(0)) unregisterProvider(name);
});

describe('declareKernel', () => {
  it('refuses a second kernel of the same name, and names that are not identifiers', () => {
    const spec = {
      args: [size('len'), scalar('alpha'), vector('x', 'len'), vector('out', 'len')],
      dtypeFrom: 'out',
      work: { sizes: ['len'], scale: 1 },
      reference: scaleReference,
    } as const;
    expect(() => declareKernel({ ...spec, name: 'testScale' })).toThrow(/'testScale' is declared twice/);
    expect(() => declareKernel({ ...spec, name: 'test scale' })).toThrow(/is not an identifier/);
  });

  it('refuses a schema that does not fit its reference', () => {
    const base = { dtypeFrom: 'out', work: { sizes: ['len'], scale: 1 }, reference: scaleReference };
    expect(() =>
      declareKernel({
        ...base,
        name: 'testBadLength',
        args: [size('len'), scalar('alpha'), vector('x', 'n'), vector('out', 'len')],
      }),
    ).toThrow(/'testBadLength' has no size argument 'n'/);
    expect(() =>
      declareKernel({
        ...base,
        name: 'testBadRef',
        dtypeFrom: 'alpha',
        args: [size('len'), scalar('alpha'), vector('x', 'len'), vector('out', 'len')],
      }),
    ).toThrow(/has no array argument 'alpha'/);
    const short = (len: number, out: FloatArray) => out.fill(len);
    expect(() =>
      declareKernel({
        ...base,
        name: 'testArity',
        reference: short as unknown as typeof scaleReference,
        args: [size('len'), scalar('alpha'), vector('x', 'len'), vector('out', 'len')],
      }),
    ).toThrow(/describes 4 arguments, its reference takes 2/);
    expect(() =>
      declareKernel({
        ...base,
        name: 'testBadMultiple',
        args: [size('len'), scalar('alpha'), packedBlock('x', ['len'], 'int8', [0]), vector('out', 'len')],
      }),
    ).toThrow(/array 'x' needs one positive integer multiple per dim/);
  });

  it('a packed block needs each dim rounded up to its multiple, in the compiled check and the message', () => {
    const sum = (rows: number, cols: number, x: Int8Array, out: FloatArray) => {
      out[0] = x.reduce((a, v) => a + v, 0) + rows + cols;
    };
    const k = declareKernel({
      name: 'testPacked',
      args: [
        size('rows'),
        size('cols'),
        packedBlock('x', ['rows', 'cols'], 'int8', [16, 4]),
        vector('out', 'rows'),
      ],
      dtypeFrom: 'out',
      work: { sizes: ['rows'], scale: 1 },
      reference: sum,
    });
    const run = dispatcher(k);
    const out = new Float32Array(17);
    // 17 x 5 rounds up to 32 x 8 = 256 bytes.
    run(17, 5, new Int8Array(256), out);
    expect(out[0]).toBe(22);
    expect(() => run(17, 5, new Int8Array(255), out)).toThrow(
      'testPacked: x has 255 elements, needs 256 (17x5, each rounded up to a multiple of 16x4)',
    );
    run(16, 4, new Int8Array(64), out);
    expect(() => run(16, 4, new Int8Array(63), out)).toThrow('needs 64');
    run(0, 3, new Int8Array(0), out);
  });
});

describe('dispatch', () => {
  it('runs the reference when no provider has an implementation', () => {
    const out = new Float64Array(3);
    scale(3, 2, Float64Array.of(1, 2, 3), out, 'js');
    expect([...out]).toEqual([2, 4, 6]);
  });

  it("runs a provider's implementation when it has one, the reference on the others", () => {
    let calls = 0;
    const doubled = implement(scaleKernel, (len, alpha, x, out) => {
      calls++;
      scaleReference(len, 2 * alpha, x, out);
    });
    registerProvider(provider('test-own', [doubled]));
    const out = new Float32Array(2);
    scale(2, 1, Float32Array.of(1, 2), out, 'test-own');
    expect([...out]).toEqual([2, 4]);
    expect(calls).toBe(1);
    withProvider('test-own', () => scale(2, 1, Float32Array.of(3, 4), out));
    expect([...out]).toEqual([6, 8]);
    scale(2, 1, Float32Array.of(1, 2), out, 'js');
    expect([...out]).toEqual([1, 2]);
    expect(calls).toBe(2);
  });

  it("an op runs the chosen provider's kernels without knowing which: dense's sigmoid derivative", () => {
    let calls = 0;
    const counted = implement(sigmoidBackwardKernel, (len, dy, y, out) => {
      calls++;
      sigmoidBackwardReference(len, dy, y, out);
    });
    registerProvider(provider('test-sigmoid', [counted]));
    const grads = (choice: string) =>
      withProvider(choice, () => {
        const x = tensor([[0.5, -1, 2]], { dtype: 'float64', requiresGrad: true });
        const w = tensor([[0.1], [0.2], [-0.3]], { dtype: 'float64', requiresGrad: true });
        dense(x, w, null, 'sigmoid').backward();
        return [...x.grad!.data, ...w.grad!.data];
      });
    const want = grads('js');
    expect(calls).toBe(0);
    expect(grads('test-sigmoid')).toEqual(want);
    expect(calls).toBe(1);
  });

  it('a fused kernel a provider lacks runs as the kernels it fuses, on that provider', () => {
    // reluDropoutBackward and denseDropoutForward on a provider with reluBackward, columnSums and
    // denseForward of its own but not the fusions (gpu.js, Vulkan): those run there, not the CPU
    // reference.
    const calls: string[] = [];
    const counted = <F extends KernelFn>(kernel: Kernel<F>) =>
      implement(kernel, ((...args: Parameters<F>) => {
        calls.push(kernel.name);
        (kernel.reference as (...a: Parameters<F>) => void)(...args);
      }) as unknown as F);
    registerProvider(
      provider('test-parts', [
        counted(reluBackwardKernel),
        counted(columnSumsKernel),
        counted(denseForwardKernel),
      ]),
    );
    const dy = Float32Array.of(1, -2, 3, 4);
    const y = Float32Array.of(1, 1, 0, 0);
    const out = new Float32Array(4);
    const sums = new Float32Array(2);
    reluDropoutBackward(2, 2, 0.5, dy, y, out, sums, 'test-parts');
    expect(calls).toEqual(['reluBackward', 'columnSums']);
    expect([...out]).toEqual([2, -4, 0, 0]);
    expect([...sums]).toEqual([2, -4]);
    calls.length = 0;
    reluDropoutBackward(2, 2, 0.5, dy, y, out, sums, 'js');
    expect(calls).toEqual([]);
    const x = Float32Array.of(1, 2, 3, 4);
    const w = Float32Array.of(1, 0, 0, 1);
    const s1 = new Uint32Array([1, 2, 3, 4]);
    const s2 = s1.slice();
    const got = new Float32Array(4);
    denseDropoutForward(2, 2, 2, x, w, null, 'linear', 0.5, s1, got, 'test-parts');
    expect(calls).toEqual(['denseForward']);
    const want = new Float32Array(4);
    dropoutForwardReference(4, 0.5, s2, x, want, new Float32Array(4));
    expect([...got]).toEqual([...want]);
    expect([...s1]).toEqual([...s2]);
  });

  it('checks every argument before any provider sees it, naming it', () => {
    const f = (n: number) => new Float32Array(n);
    expect(() => scale(3, 1, f(2), f(3))).toThrow(/^testScale: x has 2 elements, needs 3$/);
    expect(() => scale(3, 1, f(3), f(2))).toThrow(/testScale: out has 2 elements, needs 3/);
    expect(() => scale(-1, 1, f(3), f(3))).toThrow(/len must be a non-negative integer, got -1/);
    expect(() => scale(1.5, 1, f(3), f(3))).toThrow(/len must be a non-negative integer, got 1.5/);
    expect(() => scale(Number.NaN, 1, f(3), f(3))).toThrow(/len must be a non-negative integer, got NaN/);
    expect(() => scale(3, '1' as unknown as number, f(3), f(3))).toThrow(
      /alpha must be a number, got a string/,
    );
    expect(() => scale(3, 1, new Float64Array(3), f(3))).toThrow(/x is float64 but out is float32/);
    expect(() => scale(3, 1, [1, 2, 3] as unknown as FloatArray, f(3))).toThrow(
      /x must be a Float32Array or Float64Array, got an Array/,
    );
    const detached = f(3);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(() => scale(3, 1, detached, f(3))).toThrow(/x has 0 elements, needs 3/);
    expect(() => scale(0, 1, detached, f(0))).not.toThrow();
  });
});

describe('the compiled check agrees with the schema walk', () => {
  // Valid calls of every declared kernel, then each argument replaced by something wrong: the
  // dispatched entry (compiled check) must refuse exactly what Kernel.check (the walk) refuses,
  // with the walk's message.
  const f32 = (n: number) => new Float32Array(n);
  const hp = { lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 };
  const valid: Array<[Kernel, unknown[]]> = [
    [gemmKernel, [false, true, 2, 3, 4, 1, f32(8), f32(12), 0, f32(6)]],
    [denseForwardKernel, [2, 3, 4, f32(8), f32(12), f32(3), 'relu', f32(6)]],
    [denseForwardKernel, [2, 3, 4, f32(8), f32(12), null, 'tanh', f32(6)]],
    [reluBackwardKernel, [5, f32(5), f32(5), f32(5)]],
    [columnSumsKernel, [2, 3, f32(6), f32(3)]],
    [adamUpdateKernel, [4, f32(4), f32(4), f32(4), f32(4), hp]],
    [scaleKernel, [4, 2, f32(4), f32(4)]],
    [
      gruForwardKernel,
      [2, 2, 3, true, 'sigmoid', 'tanh', f32(36), f32(27), f32(9), null, f32(6), f32(12), f32(48)],
    ],
    [
      lstmBackwardKernel,
      [
        2,
        2,
        3,
        'sigmoid',
        'tanh',
        f32(36),
        f32(4),
        null,
        null,
        f32(12),
        f32(12),
        f32(48),
        f32(12),
        f32(48),
        f32(36),
        f32(6),
        null,
      ],
    ],
    [im2col1dKernel, [2, 5, 3, 3, 3, 1, 1, 0, f32(30), f32(54)]],
  ];
  const bad: unknown[] = [
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '2',
    null,
    undefined,
    true,
    f32(1),
    new Float64Array(64),
    new Int32Array(64),
    [1, 2],
    { ...hp, step: 0 },
    { ...hp, lr: 'x' },
    'sigmoid',
    'softmax',
    0,
    1e6,
  ];
  const rng = new Generator(3);
  it.each(valid.map(([k, args]) => [k.name, k, args] as const))('%s', (_name, kernel, args) => {
    const entry = dispatcher(kernel);
    expect(() => kernel.check(args)).not.toThrow();
    let refused = 0;
    for (let trial = 0; trial < 200; trial++) {
      const call = [...args];
      const at = rng.int(call.length);
      call[at] = bad[rng.int(bad.length)];
      let walk: string | null = null;
      try {
        kernel.check(call);
      } catch (err) {
        walk = (err as Error).message;
      }
      if (walk === null) {
        // A replacement that happens to be valid (0 for beta): the entry takes it too.
        expect(() => entry(...(call as Parameters<typeof entry>))).not.toThrow();
        continue;
      }
      refused++;
      expect(() => entry(...(call as Parameters<typeof entry>))).toThrow(walk);
    }
    expect(refused).toBeGreaterThan(100);
  });
});

describe('registration', () => {
  it('a provider name is registered once (eager or lazy)', () => {
    registerProvider(provider('test-twice'));
    expect(() => registerProvider(provider('test-twice'))).toThrow(
      /a provider named 'test-twice' is registered already/,
    );
    expect(() => registerLazyProvider('test-twice', () => provider('test-twice'))).toThrow(
      /'test-twice' is registered already/,
    );
    expect(() => registerProvider(provider('js'))).toThrow(/'js' is registered already/);
  });

  it('an implementation is registered once per (kernel, provider)', () => {
    const impl = implement(scaleKernel, scaleReference);
    expect(() => registerProvider(provider('test-dup', [impl, impl]))).toThrow(
      /provider 'test-dup' implements 'testScale' twice/,
    );
    registerProvider(provider('test-one', [impl]));
    expect(() => registerKernel(scaleKernel, 'test-one', scaleReference)).toThrow(
      /'testScale' is registered twice for provider 'test-one'/,
    );
  });

  it('unregistering a provider removes its implementations', () => {
    let calls = 0;
    const impl = implement(scaleKernel, (len, alpha, x, out) => {
      calls++;
      scaleReference(len, alpha, x, out);
    });
    registerProvider(provider('test-gone', [impl]));
    scale(1, 1, f32of(1), f32of(0), 'test-gone');
    unregisterProvider('test-gone');
    registerProvider(provider('test-gone'));
    scale(1, 1, f32of(1), f32of(0), 'test-gone');
    expect(calls).toBe(1);
  });

  it('implementationOf gives what a provider runs: its own kernel or the reference', () => {
    const own = (len: number, alpha: number, x: FloatArray, out: FloatArray) =>
      scaleReference(len, alpha, x, out);
    const p = provider('test-of', [implement(scaleKernel, own)]);
    expect(implementationOf(p, scaleKernel)).toBe(own);
    expect(implementationOf(p, gemmKernel)).toBe(gemmKernel.reference);
    registerProvider(p);
    expect(implementationOf(p, scaleKernel)).toBe(own);
  });
});

function f32of(...xs: number[]): Float32Array {
  return Float32Array.from(xs);
}
