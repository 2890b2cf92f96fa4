import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { exportTfjs, Tensor } from '../../src/index.js';
import { seedModel } from '../helpers/seed-model.js';
import { nonlinearProblem } from '../training/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-tfjs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TF.js layers export', () => {
  it('loads in @tensorflow/tfjs and predicts the same within 1e-5', async () => {
    const { x, y } = nonlinearProblem(300, 9);
    const xt = new Tensor(x, [300, 10]);
    const model = seedModel({ seed: 3 });
    model.fit(xt, y, { epochs: 2, verbose: 0 });
    exportTfjs(dir, model);
    const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bin = readFileSync(join(dir, 'weights.bin'));
    const tfModel = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const theirs = (tfModel.predict(tf.tensor2d(x, [300, 10])) as tf.Tensor).dataSync();
    const ours = model.predict(xt).data;
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    expect(worst).toBeLessThan(1e-5);
    expect(tfModel.layers.map((l) => l.name)).toEqual([
      'dense',
      'dropout',
      'dense_1',
      'dropout_1',
      'dense_2',
    ]);
  });
});
