import type { Dtype, FloatArray } from '../kernels/types.js';
import { alloc, formatShape, Tensor } from '../tensor.js';

/**
 * An input: a Tensor, or flat values with their shape: [rows, columns] for a table, [rows, steps,
 * features] for sequences, [rows, steps] for token ids.
 */
export type MatrixLike = Tensor | { data: ArrayLike<number>; shape: readonly number[] };
/** Targets may also be a plain list of numbers (one column). */
export type TargetLike = MatrixLike | ArrayLike<number>;

/** Rows of examples stored flat: each row holds cols values, one example of shape `example`. */
export interface Matrix {
  data: FloatArray;
  rows: number;
  cols: number;
  /** The shape of one row's example: [cols] for a table, [steps, features] for a sequence. */
  example: number[];
}

function isShaped(v: unknown): v is { data: ArrayLike<number>; shape: readonly number[] } {
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v;
}

/**
 * Copies or views the input as a row-major matrix of the model's dtype, refusing non-finite values
 * with their position (a NaN feature would otherwise surface as a NaN loss far from its cause).
 */
export function toMatrix(where: string, what: string, value: TargetLike, dtype: Dtype): Matrix {
  let data: ArrayLike<number>;
  let shape: readonly number[];
  if (value instanceof Tensor || isShaped(value)) {
    data = value.data;
    shape = value.shape;
  } else if (value !== null && typeof value === 'object' && typeof value.length === 'number') {
    if (what === 'x') {
      throw new Error(`${where}: x must be a Tensor or { data, shape: [rows, features] }, not a flat array`);
    }
    data = value;
    shape = [value.length, 1];
  } else {
    throw new Error(`${where}: ${what} must be a Tensor, { data, shape } or an array of numbers`);
  }
  if (shape.length === 1) shape = [shape[0], 1];
  // Inputs may hold sequences ([rows, steps, features]); targets are one row of values per example.
  const isInput = what === 'x' || what.endsWith(' x');
  if (shape.length !== 2 && !(isInput && shape.length > 2)) {
    throw new Error(
      `${where}: ${what} must be 2-D [rows, columns]${isInput ? ' or [rows, steps, features]' : ''}, got shape ${formatShape(shape)}`,
    );
  }
  const rows = shape[0];
  const example = [...shape.slice(1)];
  const cols = example.reduce((p, d) => p * d, 1);
  if (data.length !== rows * cols) {
    throw new Error(
      `${where}: ${what} has ${data.length} values but shape ${formatShape(shape)} needs ${rows * cols}`,
    );
  }
  const want = dtype === 'float64' ? Float64Array : Float32Array;
  const out = data instanceof want ? (data as FloatArray) : alloc(dtype, data.length);
  if (out !== data) for (let i = 0; i < data.length; i++) out[i] = data[i];
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      const at =
        example.length === 1
          ? `column ${i % cols}`
          : `position ${formatShape(unravel(i % cols, example))} of its example`;
      throw new Error(
        `${where}: ${what} has a non-finite value (${data[i]}) at row ${Math.floor(i / cols)}, ${at}`,
      );
    }
  }
  return { data: out, rows, cols, example };
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Rows [start, end) as a view (no copy). */
export function sliceRows(m: Matrix, start: number, end: number): Matrix {
  return {
    data: m.data.subarray(start * m.cols, end * m.cols),
    rows: end - start,
    cols: m.cols,
    example: m.example,
  };
}

/** The rows as a tensor [rows, ...example]. */
export function matrixTensor(m: Matrix): Tensor {
  return new Tensor(m.data, [m.rows, ...m.example]);
}
