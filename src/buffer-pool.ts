import type { Dtype, FloatArray } from './tensor.js';

/**
 * Recycled arrays for the large temporaries of a training step (gradients flowing between ops,
 * dropout masks, activation derivatives): a steady-state step then takes its big scratch arrays
 * from here instead of fresh zeroed memory, which costs page faults on every step. Only the tape and
 * the ops give arrays back, and only arrays nothing else can reach (see autograd's `fresh`).
 * `scratch` arrays hold old values: only for outputs a kernel overwrites entirely.
 */

/** Below this many elements V8's own allocation is cheap: not pooled. */
export const POOL_MIN_ELEMENTS = 4096;
const MAX_PER_LENGTH = 16;
const MAX_BYTES = 256 * 1024 * 1024;

const free = { float32: new Map<number, Float32Array[]>(), float64: new Map<number, Float64Array[]>() };
let pooledBytes = 0;

/** An array of n elements of dtype, with unspecified contents (the caller overwrites all of it). */
export function scratch(dtype: Dtype, n: number): FloatArray {
  if (n >= POOL_MIN_ELEMENTS) {
    const a = free[dtype].get(n)?.pop();
    if (a) {
      pooledBytes -= a.byteLength;
      return a;
    }
  }
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** Gives back an array nothing references any more (a whole buffer, not a view). */
export function recycle(a: FloatArray): void {
  const n = a.length;
  if (n < POOL_MIN_ELEMENTS || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) return;
  if (pooledBytes + a.byteLength > MAX_BYTES) return;
  const byLength = (a instanceof Float64Array ? free.float64 : free.float32) as Map<number, FloatArray[]>;
  let list = byLength.get(n);
  if (!list) {
    list = [];
    byLength.set(n, list);
  }
  if (list.length >= MAX_PER_LENGTH || list.includes(a)) return;
  list.push(a);
  pooledBytes += a.byteLength;
}

/** Bytes held for reuse (for tests and the profile). */
export function pooledByteCount(): number {
  return pooledBytes;
}

/** Drops every pooled array. */
export function clearPool(): void {
  free.float32.clear();
  free.float64.clear();
  pooledBytes = 0;
}
