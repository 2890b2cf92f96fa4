import { type Dtype, dtypeOf, type FloatArray, isFloatArray } from './types.js';

/**
 * Kernel declarations, in the manner of TensorFlow.js's kernel registry: a kernel is declared once,
 * with its name, a schema of its positional arguments and its TypeScript reference implementation,
 * whose signature is the kernel's type. Providers implement it (table.ts); the dispatcher checks
 * every call against the schema before any provider sees it.
 */

// biome-ignore lint/suspicious/noExplicitAny: a kernel may have any positional signature
export type KernelFn = (...args: any[]) => void;

export interface FlagArg {
  readonly kind: 'flag';
  readonly name: string;
}
/** A non-negative integer: a count or a dimension. */
export interface SizeArg {
  readonly kind: 'size';
  readonly name: string;
}
export interface NumberArg {
  readonly kind: 'number';
  readonly name: string;
}
export interface ChoiceArg<T extends string = string> {
  readonly kind: 'choice';
  readonly name: string;
  readonly values: readonly T[];
}
/** An object of parameters, checked by `check` (a message saying what is wrong, or null). */
export interface RecordArg<T = never> {
  readonly kind: 'record';
  readonly name: string;
  readonly check: (value: T) => string | null;
}
/**
 * A Float32Array or Float64Array of the call's element type, with at least the product of the
 * named size arguments (times `factor`, default 1) in elements: a vector (one size), a rows x cols
 * matrix, stored cols x rows when the flag argument `transposedBy` is set, or a block of more
 * dimensions (a [batch, steps, 3 * units] array of gate values: dims batch, steps, units, factor 3).
 */
export interface ArrayArg<Nullable extends boolean = boolean> {
  readonly kind: 'array';
  readonly name: string;
  readonly dims: readonly string[];
  readonly transposedBy?: string;
  readonly factor?: number;
  readonly nullable: Nullable;
  /**
   * An integer array of this fixed type (the int8 kernels' operands) instead of one of the call's
   * float element type; its length is checked the same way.
   */
  readonly element?: IntElement;
  /**
   * Each dim rounded up to a multiple of this before the product (a packed layout's padding: the
   * int8 weights in panels of 16 channels by groups of 4 bytes need ceil(n/16)*16 * ceil(k/4)*4).
   */
  readonly multipleOf?: readonly number[];
}

/** Element types of integer array arguments, by their typed array. */
export const INT_ARRAYS = { uint8: Uint8Array, int8: Int8Array, int32: Int32Array } as const;
export type IntElement = keyof typeof INT_ARRAYS;
type IntArray = Uint8Array | Int8Array | Int32Array;
export type ArgSpec = FlagArg | SizeArg | NumberArg | ChoiceArg | RecordArg | ArrayArg;

/** The spec an argument of type T may have. */
type SpecFor<T> = [T] extends [boolean]
  ? FlagArg
  : [T] extends [number]
    ? SizeArg | NumberArg
    : [T] extends [FloatArray]
      ? ArrayArg<false>
      : [T] extends [IntArray]
        ? ArrayArg<false>
        : [T] extends [FloatArray | null]
          ? ArrayArg<true>
          : [T] extends [string]
            ? ChoiceArg<T>
            : RecordArg<T>;

type SpecsFor<P extends unknown[]> = { readonly [I in keyof P]: SpecFor<P[I]> };
/** One spec per parameter of F, in order. */
export type ArgSchema<F extends KernelFn> = SpecsFor<Parameters<F>>;

export const flag = (name: string): FlagArg => ({ kind: 'flag', name });
export const size = (name: string): SizeArg => ({ kind: 'size', name });
export const scalar = (name: string): NumberArg => ({ kind: 'number', name });
export const choice = <T extends string>(name: string, values: readonly T[]): ChoiceArg<T> => ({
  kind: 'choice',
  name,
  values,
});
export const record = <T>(name: string, check: (value: T) => string | null): RecordArg<T> => ({
  kind: 'record',
  name,
  check,
});
export const vector = (name: string, length: string): ArrayArg<false> => ({
  kind: 'array',
  name,
  dims: [length],
  nullable: false,
});
export const optionalVector = (name: string, length: string): ArrayArg<true> => ({
  kind: 'array',
  name,
  dims: [length],
  nullable: true,
});
export const matrix = (name: string, rows: string, cols: string, transposedBy?: string): ArrayArg<false> => ({
  kind: 'array',
  name,
  dims: [rows, cols],
  transposedBy,
  nullable: false,
});
/** An array of factor * (the product of dims) elements, row-major over dims. */
export const block = (name: string, dims: readonly string[], factor = 1): ArrayArg<false> => ({
  kind: 'array',
  name,
  dims,
  factor,
  nullable: false,
});
/** An integer array (see ArrayArg.element) of the product of dims elements, row-major over dims. */
export const intBlock = (name: string, dims: readonly string[], element: IntElement): ArrayArg<false> => ({
  kind: 'array',
  name,
  dims,
  nullable: false,
  element,
});
/**
 * An integer array holding a packed layout of the dims: each dim rounded up to a multiple of the
 * matching entry of multipleOf, then multiplied.
 */
export const packedBlock = (
  name: string,
  dims: readonly string[],
  element: IntElement,
  multipleOf: readonly number[],
): ArrayArg<false> => ({ kind: 'array', name, dims, nullable: false, element, multipleOf });
/** The same, or null. */
export const optionalBlock = (name: string, dims: readonly string[], factor = 1): ArrayArg<true> => ({
  kind: 'array',
  name,
  dims,
  factor,
  nullable: true,
});

export interface KernelSpec<F extends KernelFn> {
  readonly name: string;
  readonly args: ArgSchema<F>;
  /** The array argument whose element type is the call's: every other array must share it. */
  readonly dtypeFrom: string;
  /** Operation count, by which 'auto' picks a provider: the product of these sizes, times scale. */
  readonly work: { readonly sizes: readonly string[]; readonly scale: number };
  /** The TypeScript implementation: what every provider must compute. */
  readonly reference: F;
}

export interface Kernel<F extends KernelFn = KernelFn> {
  readonly name: string;
  readonly args: readonly ArgSpec[];
  readonly reference: F;
  /** Checks one call (args[i] is argument i): its dtype, or a throw naming what is wrong. */
  check(args: ArrayLike<unknown>): Dtype;
  /**
   * Builds the kernel's entry point: it checks a call, asks `route` what runs it (from the call's
   * dtype, operation count and optional trailing choice) and runs that with the call's arguments.
   */
  entry<C>(route: Route<F, C>): (...args: [...Parameters<F>, choice?: C]) => void;
}

export type Route<F extends KernelFn, C> = (dtype: Dtype, work: number, choice: C | undefined) => F;

/** A provider's implementation of one kernel (see `implement`). */
export interface KernelImplementation {
  readonly kernel: Kernel;
  readonly run: KernelFn;
}

/** Pairs a kernel with a provider's implementation of it, typed by the kernel's declaration. */
export function implement<F extends KernelFn>(kernel: Kernel<F>, run: F): KernelImplementation {
  return { kernel, run };
}

const declared = new Set<string>();

export function declareKernel<F extends KernelFn>(spec: KernelSpec<F>): Kernel<F> {
  const { name, reference } = spec;
  if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`declareKernel: '${name}' is not an identifier`);
  if (declared.has(name)) throw new Error(`declareKernel: '${name}' is declared twice`);
  const args = spec.args as unknown as readonly ArgSpec[];
  if (args.length !== reference.length) {
    throw new Error(
      `declareKernel: '${name}' describes ${args.length} arguments, its reference takes ${reference.length}`,
    );
  }
  const schema = resolveSchema(name, args, spec.dtypeFrom, spec.work);
  const check = (values: ArrayLike<unknown>): Dtype => {
    const problem = diagnose(schema, values);
    if (problem !== null) throw new Error(`${name}: ${problem}`);
    return dtypeOf(values[schema.ref] as FloatArray);
  };
  declared.add(name);
  return {
    name,
    args,
    reference,
    check,
    entry: <C>(route: Route<F, C>) => compileEntry(schema, route, check),
  };
}

interface ArrayPlace {
  at: number;
  /** Positions of the sizes whose product (times factor) is the length it needs. */
  dims: number[];
  factor: number;
  /** The flag saying it is stored transposed, or -1. */
  transposedBy: number;
  nullable: boolean;
  element: IntElement | undefined;
  /** The multiple each dim is rounded up to (1: as it is). */
  multipleOf: number[];
}

/** A kernel's schema with every name resolved to an argument position. */
interface Schema {
  kernel: string;
  args: readonly ArgSpec[];
  /** Position of the array that gives the dtype. */
  ref: number;
  /** Every array argument, the reference first: its element type is the one the others are held to. */
  arrays: ArrayPlace[];
  /** Positions of the sizes whose product, times scale, is the operation count. */
  workSizes: number[];
  workScale: number;
}

function resolveSchema(
  kernel: string,
  args: readonly ArgSpec[],
  dtypeFrom: string,
  work: KernelSpec<KernelFn>['work'],
): Schema {
  const position = (name: string, kind: ArgSpec['kind']): number => {
    const i = args.findIndex((a) => a.name === name);
    if (i < 0 || args[i].kind !== kind) {
      throw new Error(`declareKernel: '${kernel}' has no ${kind} argument '${name}'`);
    }
    return i;
  };
  const ref = position(dtypeFrom, 'array');
  if ((args[ref] as ArrayArg).element !== undefined) {
    throw new Error(`declareKernel: '${kernel}' takes its dtype from '${dtypeFrom}', an integer array`);
  }
  const order = [ref, ...args.flatMap((a, i) => (a.kind === 'array' && i !== ref ? [i] : []))];
  const arrays = order.map((i): ArrayPlace => {
    const a = args[i] as ArrayArg;
    const factor = a.factor ?? 1;
    if (a.dims.length === 0 || !Number.isInteger(factor) || factor < 1) {
      throw new Error(
        `declareKernel: '${kernel}' array '${a.name}' needs dims and a positive integer factor`,
      );
    }
    const multipleOf = a.multipleOf ? [...a.multipleOf] : a.dims.map(() => 1);
    if (multipleOf.length !== a.dims.length || multipleOf.some((q) => !Number.isInteger(q) || q < 1)) {
      throw new Error(
        `declareKernel: '${kernel}' array '${a.name}' needs one positive integer multiple per dim`,
      );
    }
    if (a.transposedBy !== undefined && a.dims.length !== 2) {
      throw new Error(`declareKernel: '${kernel}' array '${a.name}' is transposed but not a matrix`);
    }
    return {
      at: i,
      dims: a.dims.map((d) => position(d, 'size')),
      factor,
      transposedBy: a.transposedBy === undefined ? -1 : position(a.transposedBy, 'flag'),
      nullable: a.nullable,
      element: a.element,
      multipleOf,
    };
  });
  return {
    kernel,
    args,
    ref,
    arrays,
    workSizes: work.sizes.map((s) => position(s, 'size')),
    workScale: work.scale,
  };
}

/**
 * What is wrong with a call (its first bad argument), or null when it is valid: the definition of
 * a valid call, and every message.
 */
function diagnose({ args, ref, arrays }: Schema, values: ArrayLike<unknown>): string | null {
  for (let i = 0; i < args.length; i++) {
    const problem = scalarProblem(args[i], values[i]);
    if (problem !== null) return problem;
  }
  const first = values[ref];
  if (!isFloatArray(first)) return `${args[ref].name} ${notFloatArray(first)}`;
  const dtype = dtypeOf(first);
  for (const a of arrays) {
    const v = values[a.at];
    const name = args[a.at].name;
    if (v === null && a.nullable) continue;
    if (a.element !== undefined) {
      const ctor = INT_ARRAYS[a.element];
      if (!(v instanceof ctor)) return `${name} must be an ${ctor.name}, got ${describe(v)}`;
    } else {
      if (!isFloatArray(v)) return `${name} ${notFloatArray(v)}`;
      if (dtypeOf(v) !== dtype) return `${name} is ${dtypeOf(v)} but ${args[ref].name} is ${dtype}`;
    }
    let need = a.factor;
    a.dims.forEach((d, i) => {
      need *= roundUp(values[d] as number, a.multipleOf[i]);
    });
    if ((v as ArrayLike<number>).length < need)
      return `${name} ${shortBy(a, (v as ArrayLike<number>).length, need, values)}`;
  }
  return null;
}

/**
 * The entry point of one kernel, as straight-line code generated from its schema: its arguments as
 * parameters, `diagnose`'s verdict as one expression over them, the operation count, the route and
 * the call. A call is checked on every dispatch (dozens per training step); a generic walk over the
 * schema, shared by every kernel, cost about 300 ns per call more than hand-written checks (an
 * arguments array per call, and code V8 cannot specialize), this about none. Only positions and
 * fixed text go into the source; a call the verdict refuses is diagnosed by `check`, which throws.
 */
function compileEntry<F extends KernelFn, C>(
  schema: Schema,
  route: Route<F, C>,
  check: (values: ArrayLike<unknown>) => Dtype,
): (...args: [...Parameters<F>, choice?: C]) => void {
  const { kernel, args, ref, arrays } = schema;
  const params = args.map((_, i) => `a${i}`).join(', ');
  const tests: string[] = [];
  args.forEach((a, i) => {
    if (a.kind === 'flag') tests.push(`typeof a${i} === 'boolean'`);
    else if (a.kind === 'size')
      tests.push(`typeof a${i} === 'number' && Number.isInteger(a${i}) && a${i} >= 0`);
    else if (a.kind === 'number') tests.push(`typeof a${i} === 'number'`);
    else if (a.kind !== 'array') tests.push(`problem[${i}](a${i}) === null`);
  });
  for (const a of arrays) {
    const dim = (d: number, i: number) => {
      const q = a.multipleOf[i];
      return q === 1 ? `a${d}` : `Math.ceil(a${d} / ${q}) * ${q}`;
    };
    const need = [...(a.factor === 1 ? [] : [a.factor]), ...a.dims.map(dim)].join(' * ');
    const type = a.element === undefined ? 'T' : INT_ARRAYS[a.element].name;
    const test = `a${a.at} instanceof ${type} && a${a.at}.length >= ${need}`;
    tests.push(a.nullable ? `a${a.at} === null || (${test})` : test);
  }
  const work = [schema.workScale, ...schema.workSizes.map((i) => `a${i}`)].join(' * ');
  const source = [
    "'use strict';",
    `return function ${kernel}(${params}, choice) {`,
    `  const T = a${ref} instanceof Float32Array ? Float32Array : a${ref} instanceof Float64Array ? Float64Array : null;`,
    `  if (T === null || !(${tests.map((t) => `(${t})`).join(' && ')})) refuse([${params}]);`,
    `  route(T === Float32Array ? 'float32' : 'float64', ${work}, choice)(${params});`,
    '};',
    // How stack traces and profiles name this code.
    `//# sourceURL=kernel-entry:${kernel}`,
  ].join('\n');
  // Choices and records are checked by their own function: scalarProblem, bound to the spec.
  const problem = args.map((a) => (v: unknown) => scalarProblem(a, v));
  const refuse = (values: unknown[]) => {
    check(values);
    throw new Error(`${kernel}: the compiled check refused a call that diagnose accepts (a bug)`);
  };
  return new Function('route', 'refuse', 'problem', source)(route, refuse, problem);
}

/** What is wrong with a non-array argument, or null. */
function scalarProblem(spec: ArgSpec, v: unknown): string | null {
  switch (spec.kind) {
    case 'flag':
      return typeof v === 'boolean' ? null : `${spec.name} must be a boolean, got ${describe(v)}`;
    case 'size':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0
        ? null
        : `${spec.name} must be a non-negative integer, got ${typeof v === 'number' ? v : describe(v)}`;
    case 'number':
      return typeof v === 'number' ? null : `${spec.name} must be a number, got ${describe(v)}`;
    case 'choice':
      return spec.values.includes(v as string)
        ? null
        : `${spec.name} must be one of ${spec.values.join(', ')}, got ${typeof v === 'string' ? `'${v}'` : describe(v)}`;
    case 'record':
      return typeof v === 'object' && v !== null
        ? (spec.check as (value: unknown) => string | null)(v)
        : `${spec.name} must be an object, got ${describe(v)}`;
    case 'array':
      return null;
  }
}

function roundUp(v: number, multiple: number): number {
  return Math.ceil(v / multiple) * multiple;
}

function notFloatArray(v: unknown): string {
  return `must be a Float32Array or Float64Array, got ${describe(v)}`;
}

/** "has 5 elements, needs 6 (2x3)", the shape text built only when it is needed. */
function shortBy(a: ArrayPlace, length: number, need: number, values: ArrayLike<unknown>): string {
  let shape = '';
  const sizes = a.dims.map((d) => String(values[d]));
  if (a.factor !== 1) sizes[sizes.length - 1] = `${a.factor}*${sizes[sizes.length - 1]}`;
  if (a.multipleOf.some((q) => q !== 1)) {
    shape = ` (${sizes.join('x')}, each rounded up to a multiple of ${a.multipleOf.join('x')})`;
  } else if (a.dims.length === 2 && a.transposedBy >= 0 && values[a.transposedBy]) {
    shape = ` (${sizes[1]}x${sizes[0]}, transposed)`;
  } else if (sizes.length > 1 || a.factor !== 1) {
    shape = ` (${sizes.join('x')})`;
  }
  return `has ${length} elements, needs ${need}${shape}`;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an Array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
