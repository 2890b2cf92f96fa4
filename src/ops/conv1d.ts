import { record } from '../autograd.js';
import { col2im1d, columnSums, denseForward, gemm, im2col1d } from '../kernels/registry.js';
import { checkOptions, knownOptions } from '../options.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { type Conv1dSettings, conv1dReference } from './references-sequence.js';
import { type OpSample, registerOp } from './registry.js';
import { sampleInput } from './samples.js';

export type Conv1dPadding = 'valid' | 'same' | 'causal';
export const CONV1D_PADDINGS: readonly Conv1dPadding[] = ['valid', 'same', 'causal'];

export interface Conv1dOptions {
  /** Step between windows. Default 1. */
  strides?: number;
  /** 'valid' (default): windows inside x only; 'same': ceil(steps / strides) outputs; 'causal': left padding only. */
  padding?: Conv1dPadding;
  /** Spacing of the kernel's taps. Default 1. */
  dilation?: number;
}

const CONV1D_OPTIONS = knownOptions<Conv1dOptions>({ strides: true, padding: true, dilation: true });

/** Output steps and left padding of a 1-D convolution, as TensorFlow computes them. */
export interface Conv1dGeometry {
  outSteps: number;
  padLeft: number;
  stride: number;
  dilation: number;
}

export function conv1dGeometry(
  op: string,
  steps: number,
  kernelSize: number,
  options: Conv1dOptions,
): Conv1dGeometry {
  const { strides: stride = 1, padding = 'valid', dilation = 1 } = options;
  for (const [name, v] of [
    ['strides', stride],
    ['dilation', dilation],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${v}`);
  }
  if (!CONV1D_PADDINGS.includes(padding)) {
    throw new Error(`${op}: unknown padding '${padding}'; use one of ${CONV1D_PADDINGS.join(', ')}`);
  }
  if (stride > 1 && dilation > 1) {
    throw new Error(`${op}: strides ${stride} and dilation ${dilation} cannot both exceed 1 (as in Keras)`);
  }
  const span = (kernelSize - 1) * dilation + 1;
  if (padding === 'valid') {
    if (steps < span) {
      throw new Error(
        `${op}: ${steps} steps are fewer than the kernel's span ${span} (kernelSize ${kernelSize}, dilation ${dilation}) with padding 'valid'`,
      );
    }
    return { outSteps: Math.floor((steps - span) / stride) + 1, padLeft: 0, stride, dilation };
  }
  if (padding === 'causal')
    return { outSteps: Math.floor((steps - 1) / stride) + 1, padLeft: span - 1, stride, dilation };
  const outSteps = Math.ceil(steps / stride);
  const total = Math.max(0, (outSteps - 1) * stride + span - steps);
  return { outSteps, padLeft: Math.floor(total / 2), stride, dilation };
}

/**
 * Keras's Conv1D as one op: x [batch, steps, channels], kernel [kernelSize, channels, filters],
 * bias [filters] or null; out [batch, outSteps, filters]. The windows are unfolded (im2col) and the
 * convolution is one product with the kernel seen as [kernelSize * channels, filters]; backward is
 * two products and the fold (col2im) of the windows' gradient.
 */
export function conv1d(x: Tensor, kernel: Tensor, bias: Tensor | null, options: Conv1dOptions = {}): Tensor {
  checkOptions('conv1d', options, CONV1D_OPTIONS);
  if (!(x instanceof Tensor) || !(kernel instanceof Tensor))
    throw new Error('conv1d: x and kernel must be Tensors');
  if (x.ndim !== 3)
    throw new Error(`conv1d: x must be [batch, steps, channels], got ${formatShape(x.shape)}`);
  const [B, T, C] = x.shape;
  if (kernel.ndim !== 3 || kernel.shape[1] !== C) {
    throw new Error(
      `conv1d: kernel must be [kernelSize, ${C}, filters] for x ${formatShape(x.shape)}, got ${formatShape(kernel.shape)}`,
    );
  }
  if (kernel.dtype !== x.dtype) throw new Error(`conv1d: kernel is ${kernel.dtype} but x is ${x.dtype}`);
  const [K, , F] = kernel.shape;
  if (K === 0) throw new Error('conv1d: the kernel has size 0');
  if (bias !== null) {
    if (!(bias instanceof Tensor) || bias.ndim !== 1 || bias.shape[0] !== F || bias.dtype !== x.dtype) {
      throw new Error(
        `conv1d: bias must be a ${x.dtype} [${F}] for ${F} filters, got ${bias instanceof Tensor ? `${bias.dtype} ${formatShape(bias.shape)}` : String(bias)}`,
      );
    }
  }
  const { outSteps: To, padLeft, stride, dilation } = conv1dGeometry('conv1d', T, K, options);
  const rows = B * To;
  const depth = K * C;
  const cols = alloc(x.dtype, rows * depth);
  im2col1d(B, T, C, K, To, stride, dilation, padLeft, x.data, cols);
  const od = alloc(x.dtype, rows * F);
  denseForward(rows, F, depth, cols, kernel.data, bias === null ? null : bias.data, 'linear', od);
  const inputs = bias === null ? [x, kernel] : [x, kernel, bias];
  return record('conv1d', new Tensor(od, [B, To, F]), inputs, (g) => {
    let gx = null;
    if (x.requiresGrad) {
      const dcols = alloc(x.dtype, cols.length);
      gemm(false, true, rows, depth, F, 1, g, kernel.data, 0, dcols);
      gx = alloc(x.dtype, x.size);
      col2im1d(B, T, C, K, To, stride, dilation, padLeft, dcols, gx);
    }
    let gk = null;
    if (kernel.requiresGrad) {
      gk = alloc(x.dtype, kernel.size);
      gemm(true, false, depth, F, rows, 1, cols, g, 0, gk);
    }
    if (bias === null) return [gx, gk];
    const gb = alloc(x.dtype, F);
    columnSums(rows, F, g, gb);
    return [gx, gk, gb];
  });
}

registerOp({
  name: 'conv1d',
  samples: (rng) => {
    const sample = (
      label: string,
      xShape: [number, number, number],
      kernelSize: number,
      filters: number,
      s: Conv1dSettings,
      withBias = true,
    ): OpSample => {
      const inputs = [sampleInput(rng, xShape), sampleInput(rng, [kernelSize, xShape[2], filters])];
      if (withBias) inputs.push(sampleInput(rng, [filters]));
      return {
        label,
        inputs,
        run: (x: Tensor, k: Tensor, b?: Tensor) => conv1d(x, k, b ?? null, s),
        expected: (x: Tensor, k: Tensor, b?: Tensor) => conv1dReference(x, k, b ?? null, s),
      };
    };
    return [
      sample("[2,5,3] kernel 3 -> 2 filters, 'valid'", [2, 5, 3], 3, 2, {}),
      sample("[2,5,2] kernel 3 -> 2 filters, 'same'", [2, 5, 2], 3, 2, { padding: 'same' }),
      sample("[1,6,2] kernel 2, 'same', strides 2 (odd padding)", [1, 6, 2], 2, 3, {
        padding: 'same',
        strides: 2,
      }),
      sample("[2,7,2] kernel 3, 'valid', strides 2", [2, 7, 2], 3, 2, { strides: 2 }),
      sample(
        "[1,7,2] kernel 3, dilation 2, 'causal', no bias",
        [1, 7, 2],
        3,
        2,
        { padding: 'causal', dilation: 2 },
        false,
      ),
      sample("[2,4,1] kernel 4, 'same', dilation 2", [2, 4, 1], 4, 2, { padding: 'same', dilation: 2 }),
    ];
  },
});
