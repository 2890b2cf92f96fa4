import { block, declareKernel, size } from '../kernel.js';
import { dispatcher } from '../table.js';
import type { FloatArray } from '../types.js';

/**
 * The unfold of a 1-D convolution (im2col) and its adjoint (col2im). x is [batch, steps, channels];
 * cols is [batch, outSteps, kernelSize, channels]: row (b, t) holds the window the output step t
 * reads, x[b, t * stride + k * dilation - padLeft, :] for k = 0 .. kernelSize - 1, zeros where
 * that position is outside x. Then the convolution is one product, cols x kernel.
 */
export function im2col1dReference(
  batch: number,
  steps: number,
  channels: number,
  kernelSize: number,
  outSteps: number,
  stride: number,
  dilation: number,
  padLeft: number,
  x: FloatArray,
  cols: FloatArray,
): void {
  const C = channels;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < outSteps; t++) {
      for (let k = 0; k < kernelSize; k++) {
        const pos = t * stride + k * dilation - padLeft;
        const dst = ((b * outSteps + t) * kernelSize + k) * C;
        if (pos < 0 || pos >= steps) cols.fill(0, dst, dst + C);
        else {
          const src = (b * steps + pos) * C;
          for (let c = 0; c < C; c++) cols[dst + c] = x[src + c];
        }
      }
    }
  }
}

/** x = 0, then every element of cols added back where im2col read it (overlapping windows add). */
export function col2im1dReference(
  batch: number,
  steps: number,
  channels: number,
  kernelSize: number,
  outSteps: number,
  stride: number,
  dilation: number,
  padLeft: number,
  cols: FloatArray,
  x: FloatArray,
): void {
  const C = channels;
  x.fill(0, 0, batch * steps * C);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < outSteps; t++) {
      for (let k = 0; k < kernelSize; k++) {
        const pos = t * stride + k * dilation - padLeft;
        if (pos < 0 || pos >= steps) continue;
        const src = ((b * outSteps + t) * kernelSize + k) * C;
        const dst = (b * steps + pos) * C;
        for (let c = 0; c < C; c++) x[dst + c] += cols[src + c];
      }
    }
  }
}

export type Im2col1dFn = typeof im2col1dReference;
export type Col2im1dFn = typeof col2im1dReference;

const geometry = [
  size('batch'),
  size('steps'),
  size('channels'),
  size('kernelSize'),
  size('outSteps'),
  size('stride'),
  size('dilation'),
  size('padLeft'),
] as const;
const signal = (name: string) => block(name, ['batch', 'steps', 'channels']);
const windows = (name: string) => block(name, ['batch', 'outSteps', 'kernelSize', 'channels']);
const work = { sizes: ['batch', 'outSteps', 'kernelSize', 'channels'], scale: 1 };

export const im2col1dKernel = declareKernel({
  name: 'im2col1d',
  args: [...geometry, signal('x'), windows('cols')],
  dtypeFrom: 'cols',
  work,
  reference: im2col1dReference,
});
/** cols = the windows of x that a 1-D convolution reads. */
export const im2col1d = dispatcher(im2col1dKernel);

export const col2im1dKernel = declareKernel({
  name: 'col2im1d',
  args: [...geometry, windows('cols'), signal('x')],
  dtypeFrom: 'x',
  work,
  reference: col2im1dReference,
});
/** x = the windows in cols summed back into place (the gradient of im2col1d). */
export const col2im1d = dispatcher(col2im1dKernel);
