import {
  Adam,
  add,
  backward,
  bceWithLogits,
  Dense,
  Dropout,
  Generator,
  type Module,
  mul,
  noGrad,
  type Optimizer,
  RMSprop,
  Sequential,
  SGD,
  sigmoid,
  sum,
  type Tensor,
  tensor,
  topologicalOrder,
} from '../../src/browser.js';
import { type TwoFeatureData, twoFeatureUsers } from './data.js';

/**
 * The playground's training loop, shared by the page and the Node test that checks the page's
 * numbers: the same settings and seed give the same losses on both sides.
 */
export type OptimizerChoice = 'sgd' | 'adam' | 'rmsprop';
export type HiddenActivation = 'relu' | 'tanh' | 'sigmoid';

export interface PlaygroundSettings {
  learningRate: number;
  optimizer: OptimizerChoice;
  activation: HiddenActivation;
  dropout: number;
  l2: number;
  batchSize: number;
  /** Units of each hidden layer, first to last. */
  layers: number[];
  seed: number;
  trainRows: number;
  validationRows: number;
}

/** Section 4.3's small network (one hidden layer) on the two features. */
export const SECTION_43: PlaygroundSettings = {
  learningRate: 0.03,
  optimizer: 'adam',
  activation: 'relu',
  dropout: 0,
  l2: 0,
  batchSize: 32,
  layers: [8],
  seed: 7,
  trainRows: 400,
  validationRows: 200,
};

/** Section 5's network: 64 -> 32 with dropout 0.5, Adam (a larger rate than Keras's 0.001 so it moves visibly). */
export const SECTION_5: PlaygroundSettings = {
  ...SECTION_43,
  learningRate: 0.01,
  dropout: 0.5,
  layers: [64, 32],
};

export interface StepResult {
  step: number;
  loss: number;
}

export class Trainer {
  readonly settings: PlaygroundSettings;
  readonly train: TwoFeatureData;
  readonly validation: TwoFeatureData;
  readonly network: Sequential;
  readonly dense: Dense[];
  readonly optimizer: Optimizer;
  readonly trainLosses: number[] = [];
  readonly validationLosses: number[] = [];
  /** The last step's recorded graph, inputs first (what the page lists). */
  lastGraph: GraphNode[] = [];
  private readonly shuffler: Generator;
  private order: Int32Array;
  private cursor = 0;
  steps = 0;

  constructor(settings: PlaygroundSettings) {
    this.settings = { ...settings, layers: [...settings.layers] };
    const s = this.settings;
    // Train and validation rows from one seed, the validation rows after the training rows.
    const all = twoFeatureUsers(s.trainRows + s.validationRows, s.seed);
    this.train = {
      x: all.x.slice(0, 2 * s.trainRows),
      y: all.y.slice(0, s.trainRows),
      rows: s.trainRows,
    };
    this.validation = {
      x: all.x.slice(2 * s.trainRows),
      y: all.y.slice(s.trainRows),
      rows: s.validationRows,
    };
    const layers: Module[] = [];
    this.dense = [];
    s.layers.forEach((units, i) => {
      const d = new Dense(units, { activation: s.activation, l2: s.l2, ...(i === 0 ? { inputDim: 2 } : {}) });
      this.dense.push(d);
      layers.push(d);
      if (s.dropout > 0) layers.push(new Dropout(s.dropout));
    });
    // The head is linear: the loss takes logits (BCE with the sigmoid folded in, stable for any z).
    const head = new Dense(1, s.layers.length === 0 ? { inputDim: 2 } : {});
    this.dense.push(head);
    layers.push(head);
    this.network = new Sequential(layers, { seed: s.seed });
    const lr = s.learningRate;
    this.optimizer =
      s.optimizer === 'sgd'
        ? new SGD({ learningRate: lr })
        : s.optimizer === 'rmsprop'
          ? new RMSprop({ learningRate: lr })
          : new Adam({ learningRate: lr });
    this.optimizer.setParameters(this.network.parameters());
    this.shuffler = new Generator(s.seed + 1);
    this.order = this.shuffler.permutation(s.trainRows);
  }

  /** Loss on a batch: mean BCE on the logits plus l2 * sum(W^2) over the dense kernels. */
  private lossOf(x: Tensor, y: Tensor): Tensor {
    let loss = bceWithLogits(this.network.forward(x), y);
    for (const d of this.dense) {
      if (d.l2 > 0 && d.kernel !== null) loss = add(loss, mul(sum(mul(d.kernel, d.kernel)), d.l2));
    }
    return loss;
  }

  /** One optimization step on the next batch (reshuffled each epoch); returns the batch loss. */
  step(): StepResult {
    const s = this.settings;
    const n = Math.min(s.batchSize, s.trainRows);
    if (this.cursor + n > s.trainRows) {
      this.order = this.shuffler.permutation(s.trainRows);
      this.cursor = 0;
    }
    const xb = new Float32Array(n * 2);
    const yb = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = this.order[this.cursor + i];
      xb[2 * i] = this.train.x[2 * r];
      xb[2 * i + 1] = this.train.x[2 * r + 1];
      yb[i] = this.train.y[r];
    }
    this.cursor += n;
    this.network.train();
    const loss = this.lossOf(tensor(xb, [n, 2]), tensor(yb, [n, 1]));
    // The graph is recorded before backward (which frees it) and summarized after it, before the
    // update and zeroGrad, so the parameters still carry this step's gradients.
    const graph = recordGraph(loss);
    backward(loss);
    this.lastGraph = graph();
    this.optimizer.step();
    this.optimizer.zeroGrad();
    this.steps++;
    const value = loss.data[0];
    this.trainLosses.push(value);
    this.validationLosses.push(this.validationLoss());
    return { step: this.steps, loss: value };
  }

  /** Mean loss on the validation rows, dropout off. */
  validationLoss(): number {
    this.network.eval();
    const v = this.validation;
    return noGrad(() => this.lossOf(tensor(v.x, [v.rows, 2]), tensor(v.y, [v.rows, 1])).data[0]);
  }

  /** P(buy) at each row of x ([rows, 2]), and each first-layer unit's output there. */
  probe(x: Float32Array, rows: number): { probability: Float32Array; firstLayer: Tensor | null } {
    this.network.eval();
    return noGrad(() => {
      const input = tensor(x, [rows, 2]);
      const first = this.settings.layers.length > 0 ? this.network.layers[0].forward(input) : null;
      return { probability: sigmoid(this.network.forward(input)).data as Float32Array, firstLayer: first };
    });
  }
}

/**
 * A recorded graph, inputs first: each node's op, shape, and value and gradient summaries. The engine
 * keeps gradients on leaves (the parameters), so inner nodes show their values only.
 */
export function recordGraph(root: Tensor): () => GraphNode[] {
  const order = topologicalOrder(root);
  const index = new Map(order.map((t, i) => [t, i]));
  const nodes = order.map((t, i) => ({
    index: i,
    op: t.node?.op ?? (t.requiresGrad ? 'parameter' : 'input'),
    inputs: (t.node?.inputs ?? []).map((u) => index.get(u) ?? -1),
    shape: [...t.shape],
    value: summarize(t.data),
  }));
  return () => nodes.map((n, i) => ({ ...n, grad: order[i].grad ? summarize(order[i].grad.data) : null }));
}

export interface Summary {
  mean: number;
  min: number;
  max: number;
}

export interface GraphNode {
  index: number;
  op: string;
  /** Indices of the nodes this one was computed from. */
  inputs: number[];
  shape: number[];
  value: Summary;
  grad: Summary | null;
}

function summarize(data: ArrayLike<number>): Summary {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let total = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    total += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { mean: data.length ? total / data.length : 0, min, max };
}

/** Trains `steps` steps from scratch and returns the batch losses: what the browser test compares. */
export function trainLosses(settings: PlaygroundSettings, steps: number): number[] {
  const t = new Trainer(settings);
  for (let i = 0; i < steps; i++) t.step();
  return t.trainLosses;
}
