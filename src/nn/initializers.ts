import type { Dtype } from '../kernels/types.js';
import type { Generator } from '../random.js';
import { alloc, type FloatArray } from '../tensor.js';

export type KernelInitializer = 'glorotUniform' | 'heNormal' | 'heUniform';
export const KERNEL_INITIALIZERS: readonly KernelInitializer[] = ['glorotUniform', 'heNormal', 'heUniform'];

// Keras's truncated normal redraws values beyond 2 standard deviations; this factor (the std of a
// unit normal truncated at +-2) rescales the std so the kept values have the intended variance.
const TRUNCATED_STD = 0.8796256610342398;

/**
 * A fanIn x fanOut kernel drawn as Keras draws it:
 * glorotUniform U(-l, l) with l = sqrt(6 / (fanIn + fanOut));
 * heUniform U(-l, l) with l = sqrt(6 / fanIn);
 * heNormal a normal truncated at 2 std, std sqrt(2 / fanIn).
 */
export function initKernel(
  kind: KernelInitializer,
  fanIn: number,
  fanOut: number,
  generator: Generator,
  dtype: Dtype,
): FloatArray {
  const data = alloc(dtype, fanIn * fanOut);
  if (kind === 'glorotUniform' || kind === 'heUniform') {
    const limit = Math.sqrt(6 / (kind === 'glorotUniform' ? fanIn + fanOut : fanIn));
    for (let i = 0; i < data.length; i++) data[i] = generator.uniform(-limit, limit);
  } else if (kind === 'heNormal') {
    const std = Math.sqrt(2 / fanIn) / TRUNCATED_STD;
    for (let i = 0; i < data.length; i++) {
      let z = generator.normal();
      while (z < -2 || z > 2) z = generator.normal();
      data[i] = z * std;
    }
  } else {
    throw new Error(
      `initializer: unknown kernel initializer '${kind}'; use ${KERNEL_INITIALIZERS.join(', ')}`,
    );
  }
  return data;
}

/**
 * Keras's Orthogonal initializer for a rows x cols matrix: a standard normal matrix, made
 * orthonormal by a QR decomposition (here modified Gram-Schmidt, whose R has a positive diagonal,
 * as Keras's sign correction gives), along its longer side: rows are orthonormal when rows <= cols
 * (a recurrent kernel [units, gates * units]), columns otherwise.
 */
export function initOrthogonal(rows: number, cols: number, generator: Generator, dtype: Dtype): FloatArray {
  // Work on the tall orientation n x m (n >= m): m orthonormal columns of length n.
  const tall = rows >= cols;
  const n = tall ? rows : cols;
  const m = tall ? cols : rows;
  const q = new Float64Array(n * m);
  for (let i = 0; i < q.length; i++) q[i] = generator.normal();
  for (let j = 0; j < m; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[i * m + j] * q[i * m + k];
      for (let i = 0; i < n; i++) q[i * m + j] -= dot * q[i * m + k];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * m + j] * q[i * m + j];
    norm = Math.sqrt(norm);
    // A column that vanished (probability zero) is redrawn rather than divided by zero.
    if (!(norm > 1e-12)) {
      for (let i = 0; i < n; i++) q[i * m + j] = generator.normal();
      j--;
      continue;
    }
    for (let i = 0; i < n; i++) q[i * m + j] /= norm;
  }
  const out = alloc(dtype, rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = tall ? q[r * m + c] : q[c * m + r];
  }
  return out;
}

/** n values uniform in [low, high) (Keras's RandomUniform; its Embedding default is +-0.05). */
export function initUniform(
  n: number,
  low: number,
  high: number,
  generator: Generator,
  dtype: Dtype,
): FloatArray {
  const out = alloc(dtype, n);
  for (let i = 0; i < n; i++) out[i] = generator.uniform(low, high);
  return out;
}
