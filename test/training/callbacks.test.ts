import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Callback,
  CSVLogger,
  Dense,
  Dropout,
  ExponentialDecay,
  type FloatArray,
  loadModel,
  Model,
  ModelCheckpoint,
  ReduceLROnPlateau,
  SGD,
  Tensor,
} from '../../src/index.js';
import { nonlinearProblem } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: options a JavaScript caller can pass
type Loose = any;

const dir = mkdtempSync(join(tmpdir(), 'tg-callbacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problem = () => {
  const { x, y } = nonlinearProblem(200, 5);
  return { x: new Tensor(x, [200, 10]), y };
};
const model = (lr = 0.05) =>
  new Model(
    [new Dense(8, { activation: 'relu' }), new Dropout(0.2), new Dense(1, { activation: 'sigmoid' })],
    {
      seed: 4,
    },
  ).compile({ optimizer: new SGD({ lr }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });

/** Copies of the weights at the end of every epoch. */
class WeightsPerEpoch implements Callback {
  readonly weights: FloatArray[][] = [];
  private m: Model | null = null;
  setModel(m: Model): void {
    this.m = m;
  }
  onEpochEnd(): void {
    this.weights.push(this.m!.getWeights());
  }
}

describe('ReduceLROnPlateau', () => {
  it("cuts the rate after `patience` epochs without improvement, with Keras's cooldown and floor", () => {
    const m = model(1);
    const cb = new ReduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 1, minLr: 0.2 });
    cb.setModel(m);
    cb.onTrainBegin();
    const values = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95];
    const rates = values.map((v, epoch) => {
      const logs: Record<string, number> = { val_loss: v };
      cb.onEpochEnd(epoch, logs);
      return [logs.learning_rate, m.optimizer!.lr];
    });
    // Worked out by Keras's rules: cuts after epochs 3, 5 and 7 (the last clamped to minLr 0.2),
    // none at epoch 9 (the rate is at the floor).
    expect(cb.reductions).toEqual([
      { epoch: 3, lr: 0.5 },
      { epoch: 5, lr: 0.25 },
      { epoch: 7, lr: 0.2 },
    ]);
    expect(rates.map(([logged]) => logged)).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2]);
    expect(rates.at(-1)?.[1]).toBe(0.2);
  });

  it("maximizes an accuracy, and puts learning_rate in fit's history", () => {
    const { x, y } = problem();
    const m = model(0.5);
    const cb = new ReduceLROnPlateau({ monitor: 'val_accuracy', patience: 0, factor: 0.5, minDelta: 1 });
    expect(cb.mode).toBe('max');
    // minDelta 1: no accuracy change counts, so every epoch after the first cuts the rate.
    const h = m.fit(x, y, { epochs: 4, validationSplit: 0.25, verbose: 0, callbacks: [cb] });
    expect(h.history.learning_rate).toEqual([0.5, 0.5, 0.25, 0.125]);
    expect(m.optimizer!.lr).toBe(0.0625);
  });

  it('refuses a schedule-driven rate, a factor of 1 and a missing monitor, naming them', () => {
    const { x, y } = problem();
    const m = new Model([new Dense(1, { activation: 'sigmoid' })]).compile({
      optimizer: new SGD({
        lr: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.9 }),
      }),
      loss: 'binaryCrossentropy',
    });
    expect(() => m.fit(x, y, { verbose: 0, callbacks: [new ReduceLROnPlateau()] })).toThrow(
      "ReduceLROnPlateau: the optimizer's learning rate follows a ExponentialDecay schedule; give it a number to let ReduceLROnPlateau change it",
    );
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(
      'ReduceLROnPlateau: factor must be in (0, 1), got 1',
    );
    expect(() => new ReduceLROnPlateau({ min_lr: 0.1 } as Loose)).toThrow(/did you mean 'minLr'\?/);
    expect(() => model().fit(x, y, { verbose: 0, callbacks: [new ReduceLROnPlateau()] })).toThrow(
      "ReduceLROnPlateau: 'val_loss' is not in the epoch logs (loss, accuracy, learning_rate); pass validation data or monitor another value",
    );
  });
});

describe('ModelCheckpoint', () => {
  it('saveBestOnly keeps the weights of the best epoch by the monitored value; loadModel gives them back', () => {
    const { x, y } = problem();
    const m = model(0.8);
    const path = join(dir, 'best');
    const ckpt = new ModelCheckpoint(path, {
      monitor: 'val_loss',
      saveBestOnly: true,
      metadata: { run: 'a' },
    });
    const seen = new WeightsPerEpoch();
    const h = m.fit(x, y, { epochs: 8, validationSplit: 0.25, verbose: 0, callbacks: [seen, ckpt] });
    const losses = h.history.val_loss;
    const best = losses.indexOf(Math.min(...losses));
    // The run is chosen so the best epoch is not the last: saving every epoch would fail here.
    expect(best).toBeLessThan(7);
    expect(ckpt.bestEpoch).toBe(best);
    expect(ckpt.best).toBe(losses[best]);
    const loaded = loadModel(path);
    expect(loaded.model.getWeights()).toEqual(seen.weights[best]);
    expect(loaded.metadata.run).toBe('a');
    expect(loaded.metadata.checkpoint).toMatchObject({
      epoch: best + 1,
      monitor: 'val_loss',
      value: losses[best],
    });
  });

  it("formats the epoch and logged values into the folder name, Keras's way, and saves every epoch by default", () => {
    const { x, y } = problem();
    const ckpt = new ModelCheckpoint(join(dir, 'every', 'e{epoch:02d}-acc{accuracy:.2f}'));
    model().fit(x, y, { epochs: 3, verbose: 0, callbacks: [ckpt] });
    const saved = readdirSync(join(dir, 'every')).sort();
    expect(saved.length).toBe(3);
    saved.forEach((name, i) => {
      expect(name).toMatch(new RegExp(`^e0${i + 1}-acc\\d\\.\\d\\d$`));
    });
    expect(ckpt.lastSaved).toBe(join(dir, 'every', saved[2]));
  });

  it('names a placeholder the logs lack, a format it cannot take and a missing monitor', () => {
    const { x, y } = problem();
    expect(() =>
      model().fit(x, y, {
        epochs: 1,
        verbose: 0,
        callbacks: [new ModelCheckpoint(join(dir, 'x-{val_auc}'))],
      }),
    ).toThrow(
      'ModelCheckpoint: the path names {val_auc}, which is not in the epoch logs (epoch, loss, accuracy)',
    );
    expect(() => new ModelCheckpoint(join(dir, 'x-{epoch:>3}'))).toThrow(
      'ModelCheckpoint: placeholder {epoch:>3} has a format this path cannot take; use {epoch}, {epoch:02d} or {epoch:.4f}',
    );
    expect(() =>
      model().fit(x, y, {
        epochs: 1,
        verbose: 0,
        callbacks: [new ModelCheckpoint(join(dir, 'y'), { saveBestOnly: true })],
      }),
    ).toThrow("ModelCheckpoint: 'val_loss' is not in the epoch logs (loss, accuracy)");
    expect(existsSync(join(dir, 'y'))).toBe(false);
    expect(() => new ModelCheckpoint(join(dir, 'z'), { save_best_only: true } as Loose)).toThrow(
      /did you mean 'saveBestOnly'\?/,
    );
  });

  it('initialValueThreshold: nothing is saved until the monitored value beats it', () => {
    const { x, y } = problem();
    const path = join(dir, 'threshold');
    const ckpt = new ModelCheckpoint(path, {
      monitor: 'accuracy',
      saveBestOnly: true,
      initialValueThreshold: 1,
    });
    expect(ckpt.mode).toBe('max');
    model().fit(x, y, { epochs: 2, verbose: 0, callbacks: [ckpt] });
    expect(ckpt.lastSaved).toBeNull();
    expect(existsSync(path)).toBe(false);
  });
});

describe('CSVLogger', () => {
  it('writes a header of sorted keys and one row per epoch, equal to the history', () => {
    const { x, y } = problem();
    const path = join(dir, 'log.csv');
    const h = model().fit(x, y, {
      epochs: 3,
      validationSplit: 0.2,
      verbose: 0,
      callbacks: [new CSVLogger(path)],
    });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('epoch,accuracy,loss,val_accuracy,val_loss');
    expect(lines.length).toBe(4);
    lines.slice(1).forEach((line, epoch) => {
      const [e, acc, loss, valAcc, valLoss] = line.split(',').map(Number);
      expect([e, acc, loss, valAcc, valLoss]).toEqual([
        epoch,
        h.history.accuracy[epoch],
        h.history.loss[epoch],
        h.history.val_accuracy[epoch],
        h.history.val_loss[epoch],
      ]);
    });
  });

  it('append keeps the file and its header; otherwise a new fit starts it afresh; a separator of choice', () => {
    const { x, y } = problem();
    const path = join(dir, 'append.csv');
    const logger = new CSVLogger(path, { append: true, separator: ';' });
    model().fit(x, y, { epochs: 2, verbose: 0, callbacks: [logger] });
    model().fit(x, y, { epochs: 1, verbose: 0, callbacks: [logger] });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => l.split(';')[0])).toEqual(['epoch', '0', '1', '0']);
    writeFileSync(path, 'old\n');
    model().fit(x, y, { epochs: 1, verbose: 0, callbacks: [new CSVLogger(path)] });
    expect(readFileSync(path, 'utf8').startsWith('epoch,accuracy,loss\n0,')).toBe(true);
  });

  it('names a file it cannot write and a separator it cannot use', () => {
    const { x, y } = problem();
    const path = join(dir, 'no-such-folder', 'log.csv');
    expect(() => model().fit(x, y, { verbose: 0, callbacks: [new CSVLogger(path)] })).toThrow(
      new RegExp(`CSVLogger: cannot write ${path.replaceAll('/', '\\/')}: ENOENT`),
    );
    expect(() => new CSVLogger(path, { separator: '\n' })).toThrow(
      'CSVLogger: separator must be a non-empty string without quotes or line breaks, got "\\n"',
    );
  });
});
