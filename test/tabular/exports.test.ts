import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../src/data/csv.js';
import { exportOnnx, exportTfjs } from '../../src/index.js';
import { trainTabular } from '../../src/tabular/train.js';

// Every task's network, as `tensorgrad train` builds it, exported to TF.js and ONNX and run there:
// the same outputs on the test rows (a regression network outputs the standardized target, as in
// tensorgrad; the model's preprocessing holds the mean and spread that map it back).
const dir = mkdtempSync(join(tmpdir(), 'tg-task-exports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
ort.env.wasm.numThreads = 1;

const CASES = [
  { task: 'binary', file: 'data/breast_cancer.csv', label: 'diagnosis' },
  { task: 'multiclass', file: 'data/iris.csv', label: 'species' },
  { task: 'regression', file: 'data/diabetes.csv', label: 'progression' },
] as const;

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

describe.each(CASES)('the $task network', ({ task, file, label }) => {
  const run = trainTabular(readCsv(file), { label, epochs: 3, seed: 4, verbose: 0, baselines: false });
  const { test, features } = run.dataset;
  const ours = run.model.predict({ data: test.x, shape: [test.rows, features] }).data;

  it(`is the ${task} task`, () => expect(run.task).toBe(task));

  it('predicts the same in @tensorflow/tfjs', async () => {
    const out = join(dir, `${task}-tfjs`);
    exportTfjs(out, run.model);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    const bin = readFileSync(join(out, 'weights.bin'));
    const m = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const theirs = (m.predict(tf.tensor2d(test.x, [test.rows, features])) as tf.Tensor).dataSync();
    expect(maxDiff(ours, theirs)).toBeLessThan(1e-5);
  });

  it('predicts the same in onnxruntime-web', async () => {
    const path = join(dir, `${task}.onnx`);
    exportOnnx(path, run.model);
    const session = await ort.InferenceSession.create(readFileSync(path));
    const result = await session.run({ input: new ort.Tensor('float32', test.x, [test.rows, features]) });
    expect(maxDiff(ours, result.output.data as Float32Array)).toBeLessThan(1e-5);
  });
});
