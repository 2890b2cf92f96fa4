/**
 * A decision boundary you can see. The section 4.3 rule (examples/03-section-4-3.ts) with only two
 * features left: hold x3 = 1 and x4 = x5 = x6 = 0, where their terms vanish, and what remains is
 * z = x1 x2 - 0.3 — an interaction, so neither feature alone says anything. Users buy in two opposite
 * quadrants, split by a hyperbola. Logistic regression can only draw a straight line; a small relu
 * network bends its boundary out of straight pieces, one per first-layer neuron, and the pictures
 * show both: P(buy) over the plane with the users on top, and each first-layer neuron's output.
 * Both models' outputs are recomputed by hand from their weights and checked against predict().
 *
 *   npm run example:8 [-- --out DIR]   (DIR receives 08-decision-boundary.svg, 08-first-layer-neurons.svg)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { section43Score } from '../src/data/synthetic.js';
import * as tg from '../src/index.js';
import { writeFileAtomic } from '../src/io/index.js';
import { accuracy } from '../src/metrics/index.js';
import { type HeatmapCell, heatmapSvg, type ScatterPoint } from '../src/report/chart.js';
import { outArgument } from './lib/hand-out.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

const RANGE = 3; // the plane drawn is [-3, 3] x [-3, 3]: standard-normal features rarely leave it
const HIDDEN = [16, 8];

/** n users with two standard-normal features, labelled by the section 4.3 rule and 5 % label noise. */
function twoFeatureUsers(n: number, rng: tg.Generator) {
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = rng.normal();
    x[2 * i + 1] = rng.normal();
    const flip = rng.random() < 0.05;
    y[i] = section43Score([x[2 * i], x[2 * i + 1], 1, 0, 0, 0]) > 0 !== flip ? 1 : 0;
  }
  return { x, y, rows: n };
}

export async function main({
  quick = false,
  print = console.log,
  out,
}: ExampleOptions & { out?: string | null } = {}) {
  const rng = new tg.Generator(8);
  const train = twoFeatureUsers(quick ? 500 : 1000, rng);
  const test = twoFeatureUsers(500, rng);
  const buyers = train.y.reduce((s, v) => s + v, 0);
  print(`${train.rows} training users, ${test.rows} test users, two features x1, x2 ~ N(0, 1).`);
  print(`Rule: buy when x1 x2 - 0.3 > 0 (then 5 % of labels flipped); ${buyers} of the training users buy.`);
  print('The features are already z-scores, so no normalization is needed here.\n');

  const epochs = quick ? 40 : 150;
  const trainModel = (layers: tg.Module[]) => {
    const model = new tg.Model(layers, { seed: 8 });
    model.compile({ optimizer: new tg.Adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
    model.fit({ data: train.x, shape: [train.rows, 2] }, train.y, { epochs, batchSize: 32, verbose: 0 });
    return model;
  };
  const linear = trainModel([new tg.Dense(1, { activation: 'sigmoid' })]);
  const network = trainModel([
    ...HIDDEN.map((units) => new tg.Dense(units, { activation: 'relu' })),
    new tg.Dense(1, { activation: 'sigmoid' }),
  ]);
  const testAccuracy = (model: tg.Model) =>
    accuracy(test.y, model.predict({ data: test.x, shape: [test.rows, 2] }).data);
  const majority = Math.max(
    test.y.reduce((s, v) => s + v, 0),
    test.rows - test.y.reduce((s, v) => s + v, 0),
  );
  const scores = {
    baseline: majority / test.rows,
    linear: testAccuracy(linear),
    network: testAccuracy(network),
  };
  print(`test accuracy, ${epochs} epochs of Adam (lr 0.01), batch 32, threshold 0.5:`);
  const rows: [string, number][] = [
    ['always the majority answer', scores.baseline],
    ['logistic regression  sigmoid(x w + b)', scores.linear],
    [`network  2 -> ${HIDDEN.join(' relu -> ')} relu -> 1 sigmoid`, scores.network],
  ];
  for (const [name, value] of rows) print(`  ${name.padEnd(46)} ${value.toFixed(3)}`);

  // By hand: both models' forward passes in float64 from their weights, over a grid of the plane.
  const weights = (model: tg.Model) =>
    model.layers.map((layer) => {
      const dense = layer as tg.Dense;
      return { w: dense.kernel!.data, b: dense.bias!.data, units: dense.units };
    });
  const cells = 40;
  const grid = gridPoints(cells);
  const handLinear = grid.points.map(([x1, x2]) => forward(weights(linear), [x1, x2]).output);
  const handNetwork = grid.points.map(([x1, x2]) => forward(weights(network), [x1, x2]));
  const engine = (model: tg.Model) =>
    model.predict({ data: Float32Array.from(grid.points.flat()), shape: [grid.points.length, 2] }).data;
  const maxDiff = (a: number[], b: ArrayLike<number>) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  const handVsEngine = {
    linear: maxDiff(handLinear, engine(linear)),
    network: maxDiff(
      handNetwork.map((f) => f.output),
      engine(network),
    ),
  };

  const [lw] = weights(linear);
  print('\nLogistic regression: P(buy) = sigmoid(w1 x1 + w2 x2 + b); its boundary P = 0.5 is the line');
  print(`  ${linearForm(lw.w[0], lw.w[1], lw.b[0], 3)} = 0. No line separates two opposite quadrants,`);
  print('  so it learns little more than the share of buyers: P(buy) is nearly flat over the plane.');
  print('\nThe network: each first-layer neuron h_j = relu(w1j x1 + w2j x2 + b_j) is zero on one side of');
  print('the line w1j x1 + w2j x2 + b_j = 0 and rises linearly on the other (a ramp). The next layers add');
  print('and bend these ramps; the boundary P = 0.5 is made of pieces of straight lines.');
  const [first] = weights(network);
  const activeShare = Array.from({ length: first.units }, (_, j) => {
    const on = handNetwork.filter((f) => f.first[j] > 0).length;
    return on / handNetwork.length;
  });
  for (let j = 0; j < first.units; j++) {
    const [w1, w2, b] = [first.w[j], first.w[first.units + j], first.b[j]];
    print(
      `  neuron ${String(j + 1).padStart(2)}: ${`relu(${linearForm(w1, w2, b, 2)})`.padEnd(32)} on over ${(100 * activeShare[j]).toFixed(0).padStart(3)} % of the plane`,
    );
  }
  const deadNeurons = activeShare.filter((s) => s === 0).length;
  print(`  ${deadNeurons} neuron(s) never on in [-${RANGE}, ${RANGE}]^2 (a dead relu passes no gradient).`);
  print(
    `\nBy hand vs predict(), largest |difference| over the ${grid.points.length} grid points: logistic ${handVsEngine.linear.toExponential(1)}, network ${handVsEngine.network.toExponential(1)} (float32 round-off).`,
  );

  if (out) {
    mkdirSync(out, { recursive: true });
    const points: ScatterPoint[] = Array.from({ length: test.rows }, (_, i) => ({
      x: test.x[2 * i],
      y: test.x[2 * i + 1],
      label: test.y[i] === 1 ? 'buys' : 'does not buy',
    })).filter((p) => Math.abs(p.x) < RANGE && Math.abs(p.y) < RANGE);
    const toCells = (values: number[]): HeatmapCell[] =>
      grid.cells.map((c, i) => ({ ...c, value: values[i] }));
    const boundary = await heatmapSvg({
      title: `P(buy) over the plane, ${test.rows} test users on top (rule: x1 x2 > 0.3)`,
      xLabel: 'x1',
      yLabel: 'x2',
      valueLabel: 'P(buy)',
      domain: [0, 1],
      pointColors: { 'does not buy': '#08306b', buys: '#7f2704' },
      panels: [
        {
          name: `logistic regression, test accuracy ${scores.linear.toFixed(3)}`,
          cells: toCells(handLinear),
          points,
        },
        {
          name: `network 2-${HIDDEN.join('-')}-1, test accuracy ${scores.network.toFixed(3)}`,
          cells: toCells(handNetwork.map((f) => f.output)),
          points,
        },
      ],
    });
    // Neurons on a coarser grid (16 panels), each scaled by its own largest value so that every
    // ramp shows, whatever its slope.
    const small = gridPoints(20);
    const smallForward = small.points.map(([x1, x2]) => forward(weights(network), [x1, x2]).first);
    const neurons = await heatmapSvg({
      title: 'First-layer neurons: h_j = relu(w1j x1 + w2j x2 + b_j), each divided by its largest value',
      xLabel: 'x1',
      yLabel: 'x2',
      valueLabel: 'h_j / max h_j',
      domain: [0, 1],
      scheme: 'viridis',
      columns: 4,
      width: 130,
      height: 130,
      panels: Array.from({ length: first.units }, (_, j) => {
        const top = Math.max(...smallForward.map((h) => h[j])) || 1;
        return {
          name: `neuron ${j + 1}`,
          cells: small.cells.map((c, i) => ({ ...c, value: smallForward[i][j] / top })),
        };
      }),
    });
    for (const [name, svg] of [
      ['08-decision-boundary.svg', boundary],
      ['08-first-layer-neurons.svg', neurons],
    ]) {
      const file = join(out, name);
      writeFileAtomic(file, svg);
      print(`  drawn: ${file}`);
    }
  }
  return { ...scores, handVsEngine, deadNeurons, activeShare };
}

/** "w1 x1 + w2 x2 + b" with the signs written as a person would: -0.02 x1 + 0.09 x2 - 0.89. */
function linearForm(w1: number, w2: number, b: number, digits: number): string {
  const term = (v: number) => `${v < 0 ? '-' : '+'} ${Math.abs(v).toFixed(digits)}`;
  return `${w1.toFixed(digits)} x1 ${term(w2)} x2 ${term(b)}`;
}

/** The centres and squares of a cells x cells grid over [-RANGE, RANGE]^2. */
function gridPoints(cells: number) {
  const step = (2 * RANGE) / cells;
  const points: [number, number][] = [];
  const squares: Omit<HeatmapCell, 'value'>[] = [];
  for (let i = 0; i < cells; i++)
    for (let j = 0; j < cells; j++) {
      const [x0, y0] = [-RANGE + i * step, -RANGE + j * step];
      points.push([x0 + step / 2, y0 + step / 2]);
      squares.push({ x0, x1: x0 + step, y0, y1: y0 + step });
    }
  return { points, cells: squares };
}

/**
 * h_l = act(h_(l-1) W_l + b_l) for one input row, in float64: relu on the hidden layers, sigmoid on
 * the last. Returns the first layer's outputs too (the neurons drawn) and the output P(buy).
 */
function forward(layers: { w: ArrayLike<number>; b: ArrayLike<number>; units: number }[], input: number[]) {
  let h = input;
  let first: number[] = [];
  layers.forEach(({ w, b, units }, l) => {
    const z = Array.from({ length: units }, (_, j) =>
      h.reduce((s, hi, i) => s + hi * w[i * units + j], b[j]),
    );
    h = l === layers.length - 1 ? z.map((v) => 1 / (1 + Math.exp(-v))) : z.map((v) => Math.max(0, v));
    if (l === 0) first = h;
  });
  return { output: h[0], first };
}

runIfMain(import.meta.url, (options) => main({ ...options, out: outArgument() }));
