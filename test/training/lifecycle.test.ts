import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Adam, loadModel, type Model, saveModel, Tensor } from '../../src/index.js';
import { seedModel } from '../helpers/seed-model.js';
import { nonlinearProblem } from './helpers.js';

// Whatever order a user calls build, compile, predict and fit in, and whether the model was
// constructed with its input width, without it, or loaded from disk: fit trains it (the optimizer
// gets the parameters), so the weights change and the loss falls.

const ROWS = 256;
const { x: xs, y } = nonlinearProblem(ROWS, 11);
const x = new Tensor(xs, [ROWS, 10]);

const dir = mkdtempSync(join(tmpdir(), 'tg-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
saveModel(dir, seedModel({ seed: 4, lr: null }).build(10));

type Step = 'build' | 'compile' | 'predict';
const origins = {
  'constructed with inputDim': () => seedModel({ seed: 4, lr: null }),
  'constructed without inputDim': () => seedModel({ seed: 4, lr: null, inputDim: null }),
  'loaded with loadModel': () => loadModel(dir).model,
};

/** Every order of every subset of the steps that includes compile (fit needs it). */
function orders(): Step[][] {
  const out: Step[][] = [];
  const extend = (prefix: Step[], left: Step[]) => {
    if (prefix.includes('compile')) out.push(prefix);
    left.forEach((s, i) => extend([...prefix, s], [...left.slice(0, i), ...left.slice(i + 1)]));
  };
  extend([], ['build', 'compile', 'predict']);
  return out;
}

function run(model: Model, step: Step): void {
  if (step === 'build') model.build(10);
  else if (step === 'compile') {
    model.compile({ optimizer: new Adam({ lr: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  } else model.predict(x);
}

/** Fits for a few epochs; the weights move and the loss falls. */
function expectTrains(model: Model): void {
  const before = model.getWeights();
  const losses = model.fit(x, y, { epochs: 8, batchSize: 32, verbose: 0, seed: 2 }).history.loss;
  const after = model.getWeights();
  after.forEach((w, i) => expect(w, `weight array ${i} unchanged`).not.toEqual(before[i]));
  expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 0.02);
  expect(model.optimizer?.parameters()).toEqual(model.network.parameters());
}

describe.each(Object.entries(origins))('a model %s', (_origin, make) => {
  const sequences = orders();
  it('has 11 orders to try', () => expect(sequences).toHaveLength(11));
  it.each(sequences.map((s) => [s.join(', '), s] as const))('%s, then fit: trains', (_label, steps) => {
    const model = make();
    for (const step of steps) run(model, step);
    expectTrains(model);
  });
  it('fit twice: the second fit keeps training (the optimizer keeps its state)', () => {
    const model = make();
    run(model, 'compile');
    model.fit(x, y, { epochs: 2, verbose: 0 });
    const optimizer = model.optimizer!;
    const steps = optimizer.iterations;
    expectTrains(model);
    expect(optimizer.iterations).toBe(steps + 8 * (ROWS / 32));
  });
  it('compile again after fit, then fit: the new optimizer trains', () => {
    const model = make();
    run(model, 'compile');
    model.fit(x, y, { epochs: 1, verbose: 0 });
    run(model, 'compile');
    expectTrains(model);
  });
  it('evaluate before the first fit, then fit: trains', () => {
    const model = make();
    run(model, 'compile');
    model.evaluate(x, y);
    expectTrains(model);
  });
});

describe('save after fit, load, compile, fit', () => {
  it('the loaded model trains on from the saved weights', () => {
    const model = seedModel({ seed: 5 });
    model.fit(x, y, { epochs: 2, verbose: 0 });
    const again = join(dir, 'trained');
    saveModel(again, model);
    const loaded = loadModel(again).model;
    expect(loaded.getWeights()).toEqual(model.getWeights());
    run(loaded, 'compile');
    expectTrains(loaded);
  });
});
