// Types for the shared measuring pieces in measure.mjs (imported by the TypeScript bench).
export interface OpenBlasAddon {
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;
  setThreads(n: number): void;
  config(): string;
}
export function loadOpenBlas(): { addon: OpenBlasAddon | null; reason: string };
export function loadTensorgradAddon(): unknown;
export function median(xs: number[]): number;
export const OPENBLAS_IDLE_SPIN_MS: number;
export function settle(ms: number): void;
