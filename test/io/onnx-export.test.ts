import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  type ActivationName,
  BatchNormalization,
  Dense,
  exportOnnx,
  Generator,
  LayerNormalization,
  Model,
  SGD,
  Softmax,
  Tanh,
  Tensor,
} from '../../src/index.js';
import { seedModel } from '../helpers/seed-model.js';
import { nonlinearProblem } from '../training/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
ort.env.wasm.numThreads = 1;

async function runOnnx(path: string, x: Float32Array, rows: number, cols: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(readFileSync(path));
  const out = await session.run({ input: new ort.Tensor('float32', x, [rows, cols]) });
  return out.output.data as Float32Array;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

describe('ONNX export', () => {
  it('runs in onnxruntime-web and predicts the same within 1e-5', async () => {
    const { x, y } = nonlinearProblem(300, 9);
    const xt = new Tensor(x, [300, 10]);
    const model = seedModel({ seed: 3 });
    model.fit(xt, y, { epochs: 2, verbose: 0 });
    const path = join(dir, 'model.onnx');
    exportOnnx(path, model);
    const theirs = await runOnnx(path, x, 300, 10);
    expect(theirs.length).toBe(300);
    expect(maxDiff(model.predict(xt).data, theirs)).toBeLessThan(1e-5);
  });

  it('exports bias-free Dense, tanh and softmax layers', async () => {
    const model = new Model(
      [new Dense(4, { inputDim: 3, useBias: false }), new Tanh(), new Dense(3), new Softmax()],
      {
        seed: 2,
      },
    );
    model.compile({ optimizer: new SGD(), loss: 'categoricalCrossentropy' });
    const x = Float32Array.from({ length: 15 }, (_, i) => Math.sin(i));
    const path = join(dir, 'small.onnx');
    exportOnnx(path, model);
    const theirs = await runOnnx(path, x, 5, 3);
    expect(maxDiff(model.predict({ data: x, shape: [5, 3] }).data, theirs)).toBeLessThan(1e-5);
  });

  it('exports BatchNormalization (moving statistics), LayerNormalization and every activation', async () => {
    const g = new Generator(8);
    const activations: ActivationName[] = ['softmax', 'leakyRelu', 'elu', 'gelu', 'linear'];
    for (const activation of activations) {
      const model = new Model(
        [
          new Dense(6, { activation, inputDim: 4 }),
          new BatchNormalization(),
          new Dense(5),
          new LayerNormalization(),
          new ActivationLayer(activation),
          new LayerNormalization({ center: false }),
        ],
        { seed: 3 },
      );
      model.setWeights(
        model.network
          .namedWeights()
          .map(([name, p]) =>
            Float32Array.from({ length: p.size }, () =>
              /gamma|moving_variance/.test(name) ? 0.5 + g.random() : g.normal(),
            ),
          ),
      );
      const x = Float32Array.from({ length: 40 }, () => g.normal() * 2);
      const path = join(dir, `normalization-${activation}.onnx`);
      exportOnnx(path, model);
      const theirs = await runOnnx(path, x, 10, 4);
      expect(maxDiff(model.predict({ data: x, shape: [10, 4] }).data, theirs)).toBeLessThan(1e-5);
    }
  });
});
