import { record } from '../autograd.js';
import { gemm } from '../kernels/registry.js';
import { checkOptions, knownOptions } from '../options.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { checkSameDtype } from './elementwise.js';
import { matmulReference } from './references.js';
import { registerOp } from './registry.js';
import { sampleInput } from './samples.js';

export interface MatmulOptions {
  /** Use a's transpose (a is stored k x m). */
  transA?: boolean;
  /** Use b's transpose (b is stored n x k). */
  transB?: boolean;
}

const MATMUL_OPTIONS = knownOptions<MatmulOptions>({ transA: true, transB: true });

/** Matrix product op(a) x op(b) of two 2-D tensors, on whichever kernel the dispatcher picks. */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  checkOptions('matmul', options, MATMUL_OPTIONS);
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new Error(
      `matmul: both operands must be 2-D, got ${formatShape(a.shape)} x ${formatShape(b.shape)}`,
    );
  }
  checkSameDtype('matmul', a, b);
  const [m, ka] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (ka !== kb) {
    const ta = transA ? 'ᵀ' : '';
    const tb = transB ? 'ᵀ' : '';
    throw new Error(
      `matmul: inner dimensions differ: ${formatShape(a.shape)}${ta} x ${formatShape(b.shape)}${tb}`,
    );
  }
  const k = ka;
  const od = alloc(a.dtype, m * n);
  gemm(transA, transB, m, n, k, 1, a.data, b.data, 0, od);
  const out = new Tensor(od, [m, n]);
  return record('matmul', out, [a, b], (g) => {
    let ga: Float32Array | Float64Array | null = null;
    let gb: Float32Array | Float64Array | null = null;
    if (a.requiresGrad) {
      ga = alloc(a.dtype, a.size);
      // dL/dop(A) = G op(B)^T; when A is stored transposed the result is transposed too.
      if (!transA) gemm(false, !transB, m, k, n, 1, g, b.data, 0, ga);
      else gemm(transB, true, k, m, n, 1, b.data, g, 0, ga);
    }
    if (b.requiresGrad) {
      gb = alloc(b.dtype, b.size);
      // dL/dop(B) = op(A)^T G, transposed likewise when B is stored transposed.
      if (!transB) gemm(!transA, false, k, n, m, 1, a.data, g, 0, gb);
      else gemm(true, transA, n, k, m, 1, g, a.data, 0, gb);
    }
    return [ga, gb];
  });
}

registerOp({
  name: 'matmul',
  samples: (rng) =>
    [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ].flatMap(([transA, transB]) => {
      const [m, k, n] = [3, 4, 5];
      const sa = transA ? [k, m] : [m, k];
      const sb = transB ? [n, k] : [k, n];
      const label = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
      return [
        {
          label: `${label} [${sa}] x [${sb}]`,
          inputs: [sampleInput(rng, sa), sampleInput(rng, sb)],
          run: (a: Tensor, b: Tensor) => matmul(a, b, { transA, transB }),
          expected: (a: Tensor, b: Tensor) => matmulReference(a, b, transA, transB),
        },
        {
          label: `${label} k=1 vector shapes`,
          inputs: [sampleInput(rng, transA ? [1, 2] : [2, 1]), sampleInput(rng, transB ? [3, 1] : [1, 3])],
          run: (a: Tensor, b: Tensor) => matmul(a, b, { transA, transB }),
          expected: (a: Tensor, b: Tensor) => matmulReference(a, b, transA, transB),
        },
      ];
    }),
});
