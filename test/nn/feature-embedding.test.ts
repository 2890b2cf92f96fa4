import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Dense,
  FeatureEmbedding,
  Generator,
  GRU,
  gradcheckLayer,
  loadModel,
  Model,
  saveModel,
  Tensor,
} from '../../src/index.js';

// FeatureEmbedding: each step is [presence, k codes, n numbers]; codes are looked up in the rows of
// one table that belong to their feature, numbers pass through, padded steps are zero and masked.

const vocabularies = [3, 5];
/** Two examples of three steps; example 1 starts with a padded step holding junk. */
function input(dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const steps = [
    [1, 2, 4, 0.5, -1],
    [1, 0, 1, 1.5, 0.25],
    [1, 1, 3, -0.75, 2],
    [0, 2, 4, 9, 9], // padding: presence 0, whatever else it holds
    [1, 1, 0, 0.1, 0.2],
    [1, 2, 2, -0.3, 0.4],
  ];
  const data = dtype === 'float64' ? Float64Array.from(steps.flat()) : Float32Array.from(steps.flat());
  return new Tensor(data, [2, 3, 5]);
}

describe('FeatureEmbedding', () => {
  it('looks each code up in its own feature rows, passes numbers through, zeroes padding', () => {
    const layer = new FeatureEmbedding(vocabularies, 2, { outputDim: 3 });
    const x = input();
    const { output, mask } = layer.forwardMasked(x, null);
    expect(output.shape).toEqual([2, 3, 2 * 3 + 2]);
    expect(Array.from(mask!.data)).toEqual([1, 1, 1, 0, 1, 1]);
    const table = layer.embeddings!;
    const row = (r: number) => Array.from(table.data.subarray(r * 3, r * 3 + 3));
    for (let s = 0; s < 6; s++) {
      const got = Array.from(output.data.subarray(s * 8, s * 8 + 8));
      const step = x.data.subarray(s * 5, s * 5 + 5);
      if (step[0] === 0) {
        expect(got).toEqual(new Array(8).fill(0));
        continue;
      }
      // Feature 0 owns rows 0..2, feature 1 rows 3..7.
      const want = [...row(step[1]), ...row(3 + step[2]), step[3], step[4]];
      want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
    }
  });

  it('gradient-checks against central differences (the table), with and without an incoming mask', () => {
    const layer = new FeatureEmbedding(vocabularies, 2, { outputDim: 2 });
    const ok = gradcheckLayer(layer, input(), { wrtInput: false });
    expect(ok.ok).toBe(true);
    const mask = new Tensor(Float64Array.from([1, 0, 1, 1, 1, 1]), [2, 3]);
    expect(gradcheckLayer(layer, input(), { wrtInput: false, mask }).ok).toBe(true);
  });

  it('gradient flows to the numbers as through an identity, and not through padded steps', () => {
    const layer = new FeatureEmbedding(vocabularies, 2, { outputDim: 2 });
    const x = new Tensor(input().data.slice(), [2, 3, 5], true);
    const out = layer.forward(x);
    out.sum().backward();
    const g = x.grad!;
    for (let s = 0; s < 6; s++) {
      const present = x.data[s * 5] !== 0 ? 1 : 0;
      expect(g.data[s * 5 + 3]).toBe(present);
      expect(g.data[s * 5 + 4]).toBe(present);
    }
  });

  it('padding never changes what a GRU after it computes', () => {
    const net = () =>
      new Model([new FeatureEmbedding(vocabularies, 2, { outputDim: 4 }), new GRU(5), new Dense(1)], {
        seed: 3,
      });
    const a = net();
    const junk = input('float32');
    const clean = new Tensor(junk.data.slice(), junk.shape);
    for (let c = 1; c < 5; c++) clean.data[3 * 5 + c] = 0;
    const p1 = a.predict(junk).data;
    const p2 = a.predict(clean).data;
    expect(Array.from(p1)).toEqual(Array.from(p2));
    // And a session alone, without its padded step, gives the same as in the padded batch.
    const alone = new Tensor(Float32Array.from([...junk.data.subarray(20, 30), 0, 0, 0, 0, 0]), [1, 3, 5]);
    // [step1, step2, pad] vs [pad, step1, step2]: the GRU skips masked steps wherever they are.
    expect(a.predict(alone).data[0]).toBeCloseTo(p1[1], 6);
  });

  it('refuses codes out of range, wrong widths and empty feature lists', () => {
    const layer = new FeatureEmbedding(vocabularies, 2);
    const bad = input();
    bad.data[1] = 3;
    expect(() => layer.forward(bad)).toThrow(/code 3 of feature 0 at example 0, step 0.*0 to 2/);
    bad.data[1] = 1.5;
    expect(() => layer.forward(bad)).toThrow(/code 1.5/);
    expect(() => layer.forward(new Tensor(new Float64Array(12), [2, 3, 2]))).toThrow(/\[batch, steps, 5\]/);
    expect(() => new FeatureEmbedding([], 0)).toThrow(/at least one/);
    expect(() => new FeatureEmbedding([0], 1)).toThrow(/positive integers/);
    expect(() => new FeatureEmbedding([2], 1, { outputDim: 0 })).toThrow(/outputDim/);
  });

  it('saves and loads with its weights', () => {
    const model = new Model(
      [new FeatureEmbedding(vocabularies, 2, { outputDim: 3 }), new GRU(4), new Dense(1)],
      {
        seed: 9,
      },
    );
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const x = input('float32');
    const before = model.predict(x).data;
    const dir = mkdtempSync(join(tmpdir(), 'tg-fe-'));
    try {
      saveModel(dir, model);
      const back = loadModel(dir).model;
      expect(Array.from(back.predict(x).data)).toEqual(Array.from(before));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    void Generator;
  });
});
