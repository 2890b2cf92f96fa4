/**
 * Section 4.3 of the paper: 1,000 users, 10 features, predict whether each buys, judged by
 * accuracy, recall and F1. The data is synthetic with a hidden nonlinear rule (see
 * src/data/synthetic.ts): an interaction, a U shape, a threshold, a wiggle, one linear effect and
 * four features of pure noise, so a linear model cannot get it all and a small network can.
 *
 *   npm run example:3
 */

import { gatherRows } from '../src/data/batches.js';
import { stratifiedSplit } from '../src/data/split.js';
import { section43Data } from '../src/data/synthetic.js';
import * as tg from '../src/index.js';
import { accuracy, f1, recall } from '../src/metrics/index.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

export async function main({ quick = false, print = console.log }: ExampleOptions = {}) {
  const data = section43Data({ n: 1000, features: 10, seed: 7 });
  const positives = data.y.reduce((s, v) => s + v, 0);
  print(
    `${data.rows} users x ${data.features} features (${data.featureNames.join(', ')}); ${positives} buy.`,
  );

  // Section 4.1: normalize with statistics of the training rows only, then split 80/20.
  const split = stratifiedSplit(data.y, { test: 0.2, validation: 0, seed: 7 });
  const take = (idx: Int32Array) => ({
    x: gatherRows(data.x, data.features, idx),
    y: gatherRows(data.y, 1, idx),
    rows: idx.length,
  });
  const train = take(split.train);
  const test = take(split.test);
  const mean = new Float64Array(data.features);
  const std = new Float64Array(data.features);
  for (let j = 0; j < data.features; j++) {
    for (let i = 0; i < train.rows; i++) mean[j] += train.x[i * data.features + j] / train.rows;
    for (let i = 0; i < train.rows; i++)
      std[j] += (train.x[i * data.features + j] - mean[j]) ** 2 / train.rows;
    std[j] = Math.sqrt(std[j]) || 1;
  }
  for (const part of [train, test]) {
    for (let i = 0; i < part.rows; i++) {
      for (let j = 0; j < data.features; j++) {
        part.x[i * data.features + j] = (part.x[i * data.features + j] - mean[j]) / std[j];
      }
    }
  }
  print(`train ${train.rows} rows, test ${test.rows} rows; z-scores from the training rows only.\n`);

  const epochs = quick ? 15 : 60;
  const fitAndScore = (name: string, layers: tg.Module[]) => {
    const model = new tg.Model(layers, { seed: 7 });
    model.compile({ optimizer: new tg.Adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
    model.fit({ data: train.x, shape: [train.rows, data.features] }, train.y, {
      epochs,
      batchSize: 32,
      verbose: 0,
    });
    const p = model.predict({ data: test.x, shape: [test.rows, data.features] }).data;
    const scores = { accuracy: accuracy(test.y, p), recall: recall(test.y, p), f1: f1(test.y, p) };
    print(
      `${name.padEnd(47)} accuracy ${scores.accuracy.toFixed(3)}  recall ${scores.recall.toFixed(3)}  F1 ${scores.f1.toFixed(3)}`,
    );
    return scores;
  };
  print(`test rows, threshold 0.5, ${epochs} epochs of Adam (lr 0.01), batch 32:`);
  const linear = fitAndScore('logistic regression  sigmoid(x w + b)', [
    new tg.Dense(1, { activation: 'sigmoid' }),
  ]);
  const network = fitAndScore('network  10 -> 32 relu -> 16 relu -> 1 sigmoid', [
    new tg.Dense(32, { activation: 'relu' }),
    new tg.Dense(16, { activation: 'relu' }),
    new tg.Dense(1, { activation: 'sigmoid' }),
  ]);
  print('\nAccuracy counts every right answer; recall is the share of buyers found; F1 balances recall');
  print('with precision (the share of predicted buyers who do buy). The hidden rule is nonlinear, so');
  print('the hidden layers are what lets the network beat the linear model.');
  return { linear, network };
}

runIfMain(import.meta.url, main);
