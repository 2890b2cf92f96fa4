// Types for the shared measuring pieces in measure.mjs (imported by the TypeScript bench).
import type { GemmFn } from '../src/kernels/index.js';

/** A kernel's parameters with float32 arrays only. */
type Float32Args<P> = { [K in keyof P]: P[K] extends Float32Array | Float64Array ? Float32Array : P[K] };

export interface OpenBlasAddon {
  /** cblas_sgemm on row-major arrays, with the arguments of tensorgrad's gemm. */
  sgemm(...args: Float32Args<Parameters<GemmFn>>): void;
  setThreads(n: number): void;
  config(): string;
}
export function loadOpenBlas(): { addon: OpenBlasAddon | null; reason: string };
export function loadTensorgradAddon(): unknown;
export function median(xs: number[]): number;
export const OPENBLAS_IDLE_SPIN_MS: number;
export function settle(ms: number): void;
