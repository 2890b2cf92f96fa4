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
