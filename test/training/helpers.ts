import { Writable } from 'node:stream';
import { Generator } from '../../src/index.js';

/** A stream that keeps what fit writes; isTTY decides between the bar and plain lines. */
export class CaptureStream extends Writable {
  readonly chunks: string[] = [];
  columns = 120;
  constructor(readonly isTTY = false) {
    super({ decodeStrings: false });
  }
  override _write(chunk: unknown, _enc: string, done: () => void): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    done();
  }
  get text(): string {
    return this.chunks.join('');
  }
}

/**
 * A nonlinear binary problem on 10 standard-normal features: positive when
 * x0 * x1 + sin(2 x2) + (x3^2 - 1) / 2 > 0.3 (an XOR-like product a linear model cannot fit).
 */
export function nonlinearProblem(rows: number, seed: number): { x: Float32Array; y: Float32Array } {
  const g = new Generator(seed);
  const x = new Float32Array(rows * 10);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < 10; j++) x[i * 10 + j] = g.normal();
    const r = x.subarray(i * 10, i * 10 + 10);
    y[i] = r[0] * r[1] + Math.sin(2 * r[2]) + (r[3] * r[3] - 1) / 2 > 0.3 ? 1 : 0;
  }
  return { x, y };
}
