/** A product C (m x n) = op(A) op(B) with inner dimension k, as the bench measures it. */
export interface GemmShape {
  /** 'square' or the training product it stands for, e.g. 'seed L1 forward'. */
  group: 'square' | 'seed' | 'wide';
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

export const SQUARE_SIZES = [32, 64, 128, 256, 512, 1024, 2048];
export const QUICK_SQUARE_SIZES = [64, 256, 1024];

export const MODELS = {
  /** The seed paper's model: 10 -> 64 -> 32 -> 1, dropout 0.5 after each hidden layer, batch 32. */
  seed: { widths: [10, 64, 32, 1], batch: 32, dropout: 0.5 },
  /** A model where the products, not per-op overhead, dominate. */
  wide: { widths: [256, 1024, 1024, 1], batch: 256, dropout: 0.5 },
} as const;
export type ModelName = keyof typeof MODELS;

export function squareShape(size: number): GemmShape {
  return { group: 'square', label: `${size}^3`, m: size, n: size, k: size, transA: false, transB: false };
}

/**
 * The three products of every dense layer of a training step:
 * forward Z = X W (b x in by in x out), dX = dZ W^T (b x out by (in x out)^T), dW = X^T dZ.
 */
export function trainingShapes(model: ModelName): GemmShape[] {
  const { widths, batch } = MODELS[model];
  const out: GemmShape[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const inp = widths[l];
    const o = widths[l + 1];
    const name = `${model} L${l + 1} ${inp}->${o}`;
    out.push({ group: model, label: `${name} fwd`, m: batch, n: o, k: inp, transA: false, transB: false });
    out.push({ group: model, label: `${name} dX`, m: batch, n: inp, k: o, transA: false, transB: true });
    out.push({ group: model, label: `${name} dW`, m: inp, n: o, k: batch, transA: true, transB: false });
  }
  return out;
}

export function flopsOf(s: { m: number; n: number; k: number }): number {
  return 2 * s.m * s.n * s.k;
}
