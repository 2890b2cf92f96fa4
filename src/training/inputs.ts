import type { Dtype, FloatArray } from '../kernels/types.js';
import { alloc, formatShape, Tensor } from '../tensor.js';

/**
 * A 2-D input: a Tensor, flat values with their [rows, columns] shape, or rows as plain nested
 * arrays (number[][], one array per row), as Keras and TF.js users write them.
 */
export type MatrixLike =
  | Tensor
  | { data: ArrayLike<number>; shape: readonly number[] }
  | readonly (readonly number[])[]
  | readonly ArrayLike<number>[];
/** Targets may also be a plain list of numbers (one column). */
export type TargetLike = MatrixLike | ArrayLike<number>;

export interface Matrix {
  data: FloatArray;
  rows: number;
  cols: number;
}

function isShaped(v: unknown): v is { data: ArrayLike<number>; shape: readonly number[] } {
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v;
}

const isArrayLike = (v: unknown): v is ArrayLike<unknown> =>
  v !== null && typeof v === 'object' && typeof (v as ArrayLike<unknown>).length === 'number';

/** Rows given as nested arrays, flattened after checking that every row is a list of the same length. */
function fromRows(
  where: string,
  what: string,
  rows: ArrayLike<unknown>,
): { data: number[]; shape: number[] } {
  const n = rows.length;
  const first = rows[0];
  if (!isArrayLike(first)) {
    throw new Error(`${where}: ${what}[0] is ${describe(first)}; rows must all be arrays of numbers`);
  }
  const cols = first.length;
  const data = new Array<number>(n * cols);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (!isArrayLike(row)) {
      throw new Error(`${where}: ${what}[${i}] is ${describe(row)}; rows must all be arrays of numbers`);
    }
    if (row.length !== cols) {
      throw new Error(
        `${where}: ${what}[${i}] has ${row.length} values but ${what}[0] has ${cols}; every row needs the same length`,
      );
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== 'number') {
        throw new Error(`${where}: ${what}[${i}][${j}] is ${describe(v)}, not a number`);
      }
      data[i * cols + j] = v;
    }
  }
  return { data, shape: [n, cols] };
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `the string '${v}'`;
  if (Array.isArray(v)) return `an array`;
  return typeof v === 'object' ? 'an object' : `the ${typeof v} ${String(v)}`;
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
  } else if (isArrayLike(value)) {
    if (value.length > 0 && isArrayLike(value[0])) {
      ({ data, shape } = fromRows(where, what, value));
    } else if (what === 'x' || what === 'validation x') {
      throw new Error(
        `${where}: ${what} must be 2-D: rows as arrays (number[][]), a Tensor or { data, shape: [rows, features] }, not a flat array`,
      );
    } else {
      for (let i = 0; i < value.length; i++) {
        if (typeof value[i] !== 'number') {
          throw new Error(`${where}: ${what}[${i}] is ${describe(value[i])}, not a number`);
        }
      }
      data = value as ArrayLike<number>;
      shape = [value.length, 1];
    }
  } else {
    throw new Error(
      `${where}: ${what} must be a Tensor, { data, shape }, rows as arrays (number[][]) or an array of numbers`,
    );
  }
  if (shape.length === 1) shape = [shape[0], 1];
  if (shape.length !== 2) {
    throw new Error(`${where}: ${what} must be 2-D [rows, columns], got shape ${formatShape(shape)}`);
  }
  const [rows, cols] = shape;
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
      throw new Error(
        `${where}: ${what} has a non-finite value (${data[i]}) at row ${Math.floor(i / cols)}, column ${i % cols}`,
      );
    }
  }
  return { data: out, rows, cols };
}

/** Rows [start, end) as a view (no copy). */
export function sliceRows(m: Matrix, start: number, end: number): Matrix {
  return { data: m.data.subarray(start * m.cols, end * m.cols), rows: end - start, cols: m.cols };
}

export function matrixTensor(m: Matrix): Tensor {
  return new Tensor(m.data, [m.rows, m.cols]);
}
