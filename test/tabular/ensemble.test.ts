import { describe, expect, it } from 'vitest';
import type { LabelSpec } from '../../src/data/label.js';
import { Tensor } from '../../src/index.js';
import { ensembleNetwork, TaskKind } from '../../src/tabular/tasks.js';

// The ensemble as one wide network must be exactly the mean of the members before their last
// activation: logits (then sigmoid / softmax) or values.
const spec = { hidden: [6, 4], dropout: 0.2, learningRate: 0.001 };
const labels: LabelSpec[] = [
  { column: 'y', mode: 'boolean', positive: 'yes', negatives: ['no'] },
  { column: 'y', task: 'multiclass', classes: ['a', 'b', 'c'] },
  { column: 'y', task: 'regression', mean: 0, std: 1, decimalComma: false },
];
const logit = (p: number) => Math.log(p / (1 - p));

describe.each(labels.map((l) => [l.task ?? 'binary', l] as const))('ensembleNetwork (%s)', (_, label) => {
  it('outputs the mean of the members before the last activation', () => {
    const kind = new TaskKind(label);
    const x = new Tensor(
      Float32Array.from({ length: 5 * 7 }, (_, i) => Math.sin(i * 1.7)),
      [5, 7],
    );
    const members = [1, 2, 3].map((seed) => kind.network(spec, seed).build(7));
    const wide = ensembleNetwork(members, kind, spec, 9);
    const got = wide.predict(x).data;
    const outs = members.map((m) => m.predict(x).data);
    const k = kind.outputs;
    for (let r = 0; r < 5; r++) {
      if (kind.task === 'multiclass') {
        // softmax of the mean logits: compare the log-ratios between classes
        const mean = (c: number) => outs.reduce((s, o) => s + Math.log(o[r * k + c]), 0) / 3;
        for (let c = 1; c < k; c++) {
          expect(Math.log(got[r * k + c] / got[r * k])).toBeCloseTo(mean(c) - mean(0), 4);
        }
      } else if (kind.task === 'binary') {
        const mean = outs.reduce((s, o) => s + logit(o[r]), 0) / 3;
        expect(logit(got[r])).toBeCloseTo(mean, 4);
      } else {
        expect(got[r]).toBeCloseTo(outs.reduce((s, o) => s + o[r], 0) / 3, 5);
      }
    }
    expect(wide.layers.length).toBe(members[0].layers.length);
  });
});
