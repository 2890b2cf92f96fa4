/**
 * The computation graph the engine records, drawn from the tape that backward() walks, for the
 * section 5 network (Dense(64, relu) -> Dropout -> Dense(32, relu) -> Dropout -> Dense(1, sigmoid),
 * binary cross-entropy) on one batch of 32 rows.
 *
 * The engine runs that network with fused ops: `dense` is matmul + add + activation in one kernel,
 * `bce` is the whole loss. To see what is inside them, this script "explains" the graph: it runs the
 * same forward again, on the same weights and the same dropout masks, with one op per step of the
 * math (matmul, add, relu, sigmoid, log, mul, mean), checks that the loss and every gradient equal
 * the fused graph's, and draws both graphs with each tensor's value and gradient, micrograd's
 * data|grad view, as Mermaid and as SVG.
 *
 *   npm run example:6                      (writes runs/graph.mmd, graph.svg, graph-split.mmd, graph-split.svg)
 *   npm run example:6 -- --out /tmp/graphs (the same four files in another folder)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { section43Data } from '../src/data/synthetic.js';
import { backwardWithGradients, describeGraph, formatValue, pictureToMermaid } from '../src/graph.js';
import * as tg from '../src/index.js';
import { graphSvg } from '../src/report/graph-svg.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

/** A forward pass recorded on the tape, with the gradient that reached each of its tensors. */
export interface Traced {
  loss: tg.Tensor;
  /** The tensors worth comparing between the two graphs, by the name drawn on them. */
  named: Map<string, tg.Tensor>;
  grads: Map<tg.Tensor, tg.FloatArray>;
}

/** The elementwise steps the split graph uses; a test swaps one for a wrong one to see the check fail. */
export interface SplitOps {
  relu: (x: tg.Tensor) => tg.Tensor;
  sigmoid: (x: tg.Tensor) => tg.Tensor;
  log: (x: tg.Tensor) => tg.Tensor;
}

export const SPLIT_OPS: SplitOps = { relu: tg.relu, sigmoid: tg.sigmoid, log: tg.log };

/** The section 5 network, built for `features` inputs with Glorot-uniform kernels and zero biases. */
export function sectionFiveModel(features: number, dtype: tg.Dtype = 'float32', seed = 42): tg.Model {
  const model = new tg.Model(
    [
      new tg.Dense(64, { activation: 'relu' }),
      new tg.Dropout(0.5),
      new tg.Dense(32, { activation: 'relu' }),
      new tg.Dropout(0.5),
      new tg.Dense(1, { activation: 'sigmoid' }),
    ],
    { seed, dtype },
  ).build(features);
  let k = 0;
  for (const layer of model.layers) {
    if (!(layer instanceof tg.Dense)) continue;
    k++;
    Object.assign(layer.kernel!, { name: `W${k}` });
    Object.assign(layer.bias!, { name: `b${k}` });
  }
  return model;
}

/** Both passes draw the same dropout masks: each Dropout layer gets a generator seeded afresh. */
function reseedDropout(model: tg.Model, seed: number): void {
  model.layers.forEach((layer, i) => {
    if (layer instanceof tg.Dropout) layer.generator = new tg.Generator(seed + i);
  });
}

function trace(loss: tg.Tensor, tensors: tg.Tensor[]): Traced {
  const named = new Map<string, tg.Tensor>();
  for (const t of tensors) if (t.name) named.set(t.name, t);
  return { loss, named, grads: backwardWithGradients(loss) };
}

const named = (t: tg.Tensor, name: string) => Object.assign(t, { name });

/** The graph as the engine records it: the fused `dense` and `bce` ops. */
export function fusedGraph(model: tg.Model, x: tg.Tensor, y: tg.Tensor, dropoutSeed = 7): Traced {
  reseedDropout(model, dropoutSeed);
  const kept: tg.Tensor[] = [x, y];
  let h = x;
  let k = 0;
  for (const layer of model.layers) {
    if (layer instanceof tg.Dense) {
      k++;
      kept.push(layer.kernel!, layer.bias!);
      h = named(layer.forward(h), layer.activation === 'sigmoid' ? 'p' : `h${k}`);
    } else {
      h = named(layer.forward(h), `h${k} dropped`);
    }
    kept.push(h);
  }
  const loss = named(tg.bce(h, y), 'loss');
  return trace(loss, [...kept, loss]);
}

/**
 * The same forward with one op per step: z = matmul(h, W) + b, h = relu(z) (sigmoid on the last
 * layer), then J = -mean(y log p + (1 - y) log(1 - p)). `bce` clips p to [1e-7, 1 - 1e-7]; these
 * unclipped logs agree with it as long as no p comes that close to 0 or 1.
 */
export function splitGraph(
  model: tg.Model,
  x: tg.Tensor,
  y: tg.Tensor,
  dropoutSeed = 7,
  ops: SplitOps = SPLIT_OPS,
): Traced {
  reseedDropout(model, dropoutSeed);
  const kept: tg.Tensor[] = [x, y];
  let h = x;
  let k = 0;
  for (const layer of model.layers) {
    if (layer instanceof tg.Dense) {
      k++;
      const product = named(tg.matmul(h, layer.kernel!), `${k === 1 ? 'X' : `h${k - 1}`} W${k}`);
      const z = named(tg.add(product, layer.bias!), `z${k}`);
      const last = layer.activation === 'sigmoid';
      h = named(last ? ops.sigmoid(z) : ops.relu(z), last ? 'p' : `h${k}`);
      kept.push(layer.kernel!, layer.bias!, product, z);
    } else {
      h = named(layer.forward(h), `h${k} dropped`);
    }
    kept.push(h);
  }
  const p = h;
  const logP = named(ops.log(p), 'log p');
  const oneMinusP = named(tg.sub(1, p), '1 - p');
  const logOneMinusP = named(ops.log(oneMinusP), 'log(1 - p)');
  const oneMinusY = named(tg.sub(1, y), '1 - y');
  const both = named(
    tg.add(named(tg.mul(y, logP), 'y log p'), named(tg.mul(oneMinusY, logOneMinusP), '(1-y) log(1-p)')),
    'log-likelihood',
  );
  const loss = named(tg.neg(named(tg.mean(both), 'mean')), 'loss');
  return trace(loss, [...kept, logP, oneMinusP, logOneMinusP, both, loss]);
}

export interface Difference {
  name: string;
  /** max |fused - split| / max |fused|, over the tensor's values and over its gradient. */
  value: number;
  grad: number | null;
}

export interface Comparison {
  differences: Difference[];
  worst: number;
  ok: boolean;
  tolerance: number;
}

function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    // NaN must fail the check, and Math.max would let it through as NaN > tolerance is false.
    diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return diff / Math.max(scale, Number.MIN_VALUE);
}

/**
 * Compares every tensor the two graphs both name (inputs, weights, each layer's output, p, the
 * loss): values and gradients. A weight whose gradient is missing from either graph fails it.
 */
export function compareGraphs(fused: Traced, split: Traced, tolerance: number): Comparison {
  const differences: Difference[] = [];
  for (const [name, a] of fused.named) {
    const b = split.named.get(name);
    if (!b) continue;
    const ga = fused.grads.get(a);
    const gb = split.grads.get(b);
    const grad = ga || gb ? (ga && gb ? relativeDifference(ga, gb) : Number.POSITIVE_INFINITY) : null;
    differences.push({ name, value: relativeDifference(a.data, b.data), grad });
  }
  const worst = Math.max(...differences.flatMap((d) => (d.grad === null ? [d.value] : [d.value, d.grad])));
  // The loss and all six weights must be among the compared tensors, or the check proves nothing.
  const required = ['loss', 'W1', 'b1', 'W2', 'b2', 'W3', 'b3'];
  const complete = required.every((n) => differences.some((d) => d.name === n && d.grad !== null));
  return { differences, worst, ok: complete && worst <= tolerance, tolerance };
}

/**
 * What each split op does to the gradient, read off the split graph's own numbers: the mean hands
 * -1/m to every row, add's bias gradient is the column sums of dz, matmul's weight gradient is
 * X^T dz, relu passes dh only where z > 0. Each is the largest |hand - graph| over the tensor.
 */
export function readSplitGraph(split: Traced) {
  const t = (name: string) => split.named.get(name)!;
  const g = (name: string) => split.grads.get(t(name))!;
  const [m, k] = t('X batch').shape;
  const n = t('z1').shape[1];
  const x = t('X batch').data;
  const dz = g('z1');
  let meanRows = 0;
  for (const v of g('log-likelihood')) meanRows = Math.max(meanRows, Math.abs(v - -1 / m));
  let bias = 0;
  let weight = 0;
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let r = 0; r < m; r++) sum += dz[r * n + j];
    bias = Math.max(bias, Math.abs(sum - g('b1')[j]));
    for (let i = 0; i < k; i++) {
      let dot = 0;
      for (let r = 0; r < m; r++) dot += x[r * k + i] * dz[r * n + j];
      weight = Math.max(weight, Math.abs(dot - g('W1')[i * n + j]));
    }
  }
  let relu = 0;
  const z = t('z1').data;
  const dh = g('h1');
  for (let i = 0; i < z.length; i++) relu = Math.max(relu, Math.abs((z[i] > 0 ? dh[i] : 0) - dz[i]));
  return { meanRows, bias, weight, relu };
}

/** One batch of the section 4.3 data: 32 rows of 10 standard-normal features and their labels. */
export function batch(dtype: tg.Dtype = 'float32'): { x: tg.Tensor; y: tg.Tensor } {
  const data = section43Data({ n: 32, features: 10, seed: 11 });
  const x = named(new tg.Tensor(cast(data.x, dtype), [32, 10]), 'X batch');
  const y = named(new tg.Tensor(cast(data.y, dtype), [32, 1]), 'y');
  return { x, y };
}

function cast(values: Float32Array, dtype: tg.Dtype): tg.FloatArray {
  return dtype === 'float64' ? Float64Array.from(values) : values.slice();
}

/** Fused and split graphs of one batch in `dtype`, and how far apart their numbers are. */
export function explain(dtype: tg.Dtype, tolerance: number) {
  const { x, y } = batch(dtype);
  const model = sectionFiveModel(10, dtype);
  const fused = fusedGraph(model, x, y);
  const split = splitGraph(model, x, y);
  return { fused, split, comparison: compareGraphs(fused, split, tolerance) };
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export async function main({
  print = console.log,
  out = argument('--out') ?? 'runs/graph.mmd',
}: ExampleOptions & { out?: string | null } = {}) {
  // float32 is what the engine trains in; float64 shows the split graph is the same math, not
  // just close: what is left there is the round-off of a different order of operations.
  const run32 = explain('float32', 1e-5);
  const run64 = explain('float64', 1e-12);

  const fusedPicture = describeGraph(run32.fused.loss, { grads: run32.fused.grads });
  const splitPicture = describeGraph(run32.split.loss, { grads: run32.split.grads });
  const mermaid = pictureToMermaid(fusedPicture);
  const splitMermaid = pictureToMermaid(splitPicture, { direction: 'TB' });

  print('The fused graph the engine records (dense = matmul + add + activation, bce = the whole loss):');
  print('```mermaid');
  print(mermaid.trimEnd());
  print('```');
  print('\nThe same batch, weights and dropout masks through one op per step of the math:');
  print('```mermaid');
  print(splitMermaid.trimEnd());
  print('```');

  print('\nfused against split, max |fused - split| / max |fused| per tensor:');
  print(
    `${'tensor'.padEnd(12)} ${'value f32'.padStart(10)} ${'grad f32'.padStart(10)} ${'value f64'.padStart(10)} ${'grad f64'.padStart(10)}`,
  );
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toExponential(1));
  for (const d of run32.comparison.differences) {
    const d64 = run64.comparison.differences.find((e) => e.name === d.name);
    print(
      `${d.name.padEnd(12)} ${fmt(d.value).padStart(10)} ${fmt(d.grad).padStart(10)} ${fmt(d64?.value).padStart(10)} ${fmt(d64?.grad).padStart(10)}`,
    );
  }
  for (const [label, run] of [
    ['float32', run32],
    ['float64', run64],
  ] as const) {
    const verdict = run.comparison.ok ? 'equal' : 'DIFFERENT';
    print(
      `${label}: loss ${run.fused.loss.item().toFixed(6)} (fused) vs ${run.split.loss.item().toFixed(6)} (split); worst difference ${run.comparison.worst.toExponential(1)} (tolerance ${run.comparison.tolerance}): ${verdict}`,
    );
  }

  const read = readSplitGraph(run64.split);
  print('\nreading the split graph (float64), max |by hand - graph|:');
  const rows: Array<[string, number]> = [
    [`mean:   each row of the log-likelihood gets d loss = -1/m = ${formatValue(-1 / 32)}`, read.meanRows],
    ['add:    d b1 = column sums of d z1', read.bias],
    ['matmul: d W1 = X^T d z1', read.weight],
    ['relu:   d z1 = d h1 where z1 > 0, else 0', read.relu],
  ];
  for (const [what, diff] of rows) print(`  ${what.padEnd(70)} ${diff.toExponential(1)}`);

  const fusedSvg = graphSvg(fusedPicture, {
    title: 'Section 5 network, fused ops (what the engine records): data | grad per tensor',
  });
  const splitSvg = graphSvg(splitPicture, {
    title: 'Section 5 network, fused ops split into matmul, add, relu, sigmoid, log: data | grad per tensor',
  });
  const files: string[] = [];
  if (out) {
    const fusedFile = out.endsWith('.mmd') ? out : join(out, 'graph.mmd');
    const base = fusedFile.slice(0, -'.mmd'.length);
    mkdirSync(dirname(fusedFile), { recursive: true });
    const outputs: Array<[string, string]> = [
      [fusedFile, mermaid],
      [`${base}.svg`, fusedSvg],
      [`${base}-split.mmd`, splitMermaid],
      [`${base}-split.svg`, splitSvg],
    ];
    for (const [file, text] of outputs) {
      writeFileSync(file, text);
      files.push(file);
    }
    print(`\nwritten: ${files.join(', ')}`);
  }
  return {
    mermaid,
    splitMermaid,
    fusedSvg,
    splitSvg,
    float32: run32.comparison,
    float64: run64.comparison,
    read,
    files,
  };
}

runIfMain(import.meta.url, main);
