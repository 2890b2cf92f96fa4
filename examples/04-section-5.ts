/**
 * The paper's section 5 program, line for line, in tensorgrad. Each Keras line is quoted above the
 * code that does the same. By default it runs on a user-behaviour CSV generated from the section
 * 2.2 features (written to runs/user_behavior.csv, label column `label`); pass
 * `-- --data data/online_shoppers_intention.csv --label Revenue` to run it on the real data.
 *
 *   npm run example:4
 *   npm run example:4 -- --out runs/pictures   (also draws the loss history as an SVG)
 *
 * After the program it opens up three things Keras hides: Adam's first three steps for one weight
 * by hand next to the optimizer's, dropout's expected activation with and without the 1/(1-p)
 * scaling, and why val_loss sits below the training loss.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readCsv } from '../src/data/csv.js';
import { prepareDataset } from '../src/data/dataset.js';
import { syntheticUsers, usersToCsv } from '../src/data/synthetic.js';
import * as tg from '../src/index.js';
import { outArgument, writeChart } from './lib/hand-out.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

type Print = (line: string) => void;

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export async function main({
  quick = false,
  print = console.log,
  out = null,
}: ExampleOptions & { out?: string | null } = {}) {
  let file = argument('--data');
  let label = argument('--label') ?? 'label';
  if (!file) {
    const users = syntheticUsers(quick ? 2000 : 10000, { seed: 42 });
    mkdirSync('runs', { recursive: true });
    file = 'runs/user_behavior.csv';
    writeFileSync(file, usersToCsv(users).replace(/^(.*),purchased/, '$1,label'));
    label = 'label';
    print(`generated ${users.length} synthetic users (section 2.2 features) in ${file}`);
  }

  // data = pd.read_csv('user_behavior.csv')
  const data = readCsv(file);
  // X = data.drop('label', axis=1); y = data['label']
  // X = StandardScaler().fit_transform(X)
  // X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
  // (The paper scales before splitting, which lets the test rows shape the scaler. Here the split
  // comes first and the scaler, like the one-hot encoders, is fitted on the training rows only.)
  const ds = prepareDataset(data, { label, test: 0.2, validation: 0, seed: 42 });
  print(
    `${data.rows.length} rows -> ${ds.train.rows} train, ${ds.test.rows} test; ${ds.features} features after encoding`,
  );

  // model = Sequential([Dense(64, activation='relu', input_shape=(X_train.shape[1],)), Dropout(0.5),
  //                     Dense(32, activation='relu'), Dropout(0.5), Dense(1, activation='sigmoid')])
  const model = new tg.Model(
    [
      new tg.Dense(64, { activation: 'relu', inputDim: ds.features }),
      new tg.Dropout(0.5),
      new tg.Dense(32, { activation: 'relu' }),
      new tg.Dropout(0.5),
      new tg.Dense(1, { activation: 'sigmoid' }),
    ],
    { seed: 42 },
  );
  // model.compile(optimizer=Adam(learning_rate=0.001), loss='binary_crossentropy', metrics=['accuracy'])
  model.compile({
    optimizer: new tg.Adam({ learningRate: 0.001 }),
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
  });
  print(model.summary());

  // model.fit(X_train, y_train, epochs=10, batch_size=32, validation_data=(X_test, y_test))
  const xTrain = { data: ds.train.x, shape: [ds.train.rows, ds.features] };
  const xTest = { data: ds.test.x, shape: [ds.test.rows, ds.features] };
  // (Not in the paper: after each epoch, also score the TRAINING rows in evaluation mode, as
  // val_loss scores the test rows, then switch dropout back on for the next epoch.)
  const trainEvalLoss: number[] = [];
  const history = model.fit(xTrain, ds.train.y, {
    epochs: quick ? 2 : 10,
    batchSize: 32,
    validationData: [xTest, ds.test.y],
    verbose: quick ? 0 : 1,
    callbacks: [
      {
        onEpochEnd: () => {
          trainEvalLoss.push(model.evaluate(xTrain, ds.train.y).loss);
          model.network.train();
        },
      },
    ],
  });

  // loss, accuracy = model.evaluate(X_test, y_test)
  const { loss, accuracy } = model.evaluate(xTest, ds.test.y);
  print(`Test loss: ${loss.toFixed(4)}, Test accuracy: ${accuracy.toFixed(4)}`);

  const adam = adamByHand(print, ds.train.x, ds.train.y, ds.features);
  const dropout = dropoutExpectation(print, quick);
  const lossGap = await whyValLossIsLower(print, model, xTrain, ds.train.y, history, trainEvalLoss, out);
  return { loss, accuracy, epochs: history.epoch.length, adam, dropout, lossGap };
}

/** The section 5 network; dtype float64 for the exact by-hand check of Adam. */
function section5Model(features: number, dtype: tg.Dtype = 'float32') {
  return new tg.Model(
    [
      new tg.Dense(64, { activation: 'relu', inputDim: features }),
      new tg.Dropout(0.5),
      new tg.Dense(32, { activation: 'relu' }),
      new tg.Dropout(0.5),
      new tg.Dense(1, { activation: 'sigmoid' }),
    ],
    { seed: 42, dtype },
  );
}

interface AdamRecord {
  t: number;
  g: Float64Array;
  before: Float64Array;
  after: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/**
 * The engine's Adam, unchanged, with a window onto one parameter: each step records the gradient it
 * was given and the weights and moments it left behind, so the hand computation can be compared
 * with what the optimizer really did.
 */
class WatchedAdam extends tg.Adam {
  readonly records: AdamRecord[] = [];
  watched: tg.Tensor | null = null;

  protected override update(i: number, p: tg.FloatArray, g: tg.FloatArray, t: number): void {
    if (this.params[i] !== this.watched) {
      super.update(i, p, g, t);
      return;
    }
    const before = Float64Array.from(p);
    const grad = Float64Array.from(g);
    super.update(i, p, g, t);
    this.records.push({
      t,
      g: grad,
      before,
      after: Float64Array.from(p),
      m: Float64Array.from(this.m[i]),
      v: Float64Array.from(this.v[i]),
    });
  }
}

/**
 * Part 1. Three steps of the section 5 training (the first 96 training rows, batches of 32, no
 * shuffle), in float64, watching the output layer's kernel. For the weight with the largest first
 * gradient, by hand:
 *   m_t = beta1 m + (1 - beta1) g,   v_t = beta2 v + (1 - beta2) g^2,
 *   m_hat = m_t / (1 - beta1^t),      v_hat = v_t / (1 - beta2^t),
 *   w -= lr * m_hat / (sqrt(v_hat) + epsilon / sqrt(1 - beta2^t))
 * The last line is Keras's update (epsilon 1e-7 added to the uncorrected sqrt(v)) written with the
 * corrected moments; PyTorch adds epsilon to sqrt(v_hat) instead, a difference of ~1e-7 relative.
 */
function adamByHand(print: Print, x: ArrayLike<number>, y: ArrayLike<number>, features: number) {
  const rows = 96;
  const model = section5Model(features, 'float64');
  const optimizer = new WatchedAdam({ learningRate: 0.001 });
  const last = model.layers[model.layers.length - 1] as tg.Dense;
  optimizer.watched = last.kernel;
  model.compile({ optimizer, loss: 'binaryCrossentropy' });
  model.fit(
    { data: Float64Array.from({ length: rows * features }, (_, i) => x[i]), shape: [rows, features] },
    Float64Array.from({ length: rows }, (_, i) => y[i]),
    { epochs: 1, batchSize: 32, shuffle: false, verbose: 0, seed: 42 },
  );
  const steps = optimizer.records;
  if (steps.length !== 3) throw new Error(`expected 3 Adam steps, recorded ${steps.length}`);
  const g1 = steps[0].g;
  let j = 0;
  for (let k = 1; k < g1.length; k++) if (Math.abs(g1[k]) > Math.abs(g1[j])) j = k;

  const { beta1, beta2, epsilon, lr } = optimizer;
  print(
    `\nPart 1: Adam by hand for one weight, W3[${j}] (lr ${lr}, beta1 ${beta1}, beta2 ${beta2}, epsilon ${epsilon})`,
  );
  print('  from the optimizer: its gradient g at each step; everything else is computed here, in float64');
  let [m, v, w] = [0, 0, steps[0].before[j]];
  let difference = 0;
  const table: Array<{
    t: number;
    g: number;
    m: number;
    v: number;
    mHat: number;
    vHat: number;
    step: number;
    w: number;
  }> = [];
  print(`  w_0 = ${w.toFixed(9)}`);
  print(
    `  ${'t'.padStart(2)}${'g'.padStart(12)}${'m'.padStart(12)}${'v'.padStart(12)}${'m_hat'.padStart(12)}${'v_hat'.padStart(12)}${'step'.padStart(13)}${'w_t'.padStart(14)}${'|hand - Adam|'.padStart(15)}`,
  );
  for (const r of steps) {
    const g = r.g[j];
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const mHat = m / (1 - beta1 ** r.t);
    const vHat = v / (1 - beta2 ** r.t);
    const step = (lr * mHat) / (Math.sqrt(vHat) + epsilon / Math.sqrt(1 - beta2 ** r.t));
    w -= step;
    const d = Math.max(Math.abs(w - r.after[j]), Math.abs(m - r.m[j]), Math.abs(v - r.v[j]));
    difference = Math.max(difference, d);
    table.push({ t: r.t, g, m, v, mHat, vHat, step, w });
    print(
      `  ${String(r.t).padStart(2)}${sci(g, 12)}${sci(m, 12)}${sci(v, 12)}${sci(mHat, 12)}${sci(vHat, 12)}${sci(-step, 13)}${w.toFixed(9).padStart(14)}${sci(d, 15)}`,
    );
  }
  print(
    `  Step 1 changes w by -lr * g/|g| = ${sci(-Math.sign(g1[j]) * lr, 0).trim()} whatever the size of g: the first steps are`,
  );
  print('  about lr in size, and m_hat / sqrt(v_hat) keeps them so while the gradients agree in sign.');
  print('  Without the bias correction, step 1 would be (1 - beta1)/sqrt(1 - beta2) = 3.2 times lr.');
  return { weight: j, steps: table, difference };
}

/**
 * Part 2. Inverted dropout keeps a unit with probability 1 - p and divides it by 1 - p, so its
 * expected value is unchanged: E[h~] = (1 - p) * h/(1 - p) + p * 0 = h. Without the scaling the
 * expectation would be (1 - p) h, and evaluation (no dropout) would see larger activations than
 * training did.
 */
function dropoutExpectation(print: Print, quick: boolean) {
  const p = 0.5;
  const masks = quick ? 4000 : 40000;
  const h = [0.8, 0.1, 2.5, 0, 1.3, 0.45];
  const k = h.length;
  const x = tg.tensor(
    Float64Array.from({ length: masks * k }, (_, i) => h[i % k]),
    [masks, k],
  );
  const dropped = tg.dropout(x, p, { generator: new tg.Generator(5) }).data;
  const scaled = new Float64Array(k);
  const unscaled = new Float64Array(k);
  const values = new Set<number>();
  for (let i = 0; i < dropped.length; i++) {
    scaled[i % k] += dropped[i] / masks;
    unscaled[i % k] += (dropped[i] * (1 - p)) / masks; // the same masks, kept units not divided
    if (h[i % k] !== 0) values.add(dropped[i] / h[i % k]);
  }
  // Each scaled sample is 0 or h/(1-p), so its standard deviation is h sqrt(p/(1-p)); the mean of
  // `masks` of them has standard error h sqrt(p/(1-p)) / sqrt(masks).
  const se = (v: number) => (v * Math.sqrt(p / (1 - p))) / Math.sqrt(masks);
  let scaledZ = 0;
  let unscaledZ = Number.POSITIVE_INFINITY;
  print(`\nPart 2: dropout (p = ${p}) on the activations h below, averaged over ${masks} masks`);
  print(
    `  ${'h'.padStart(6)}${'mean, with 1/(1-p)'.padStart(20)}${'formula h'.padStart(11)}${'mean, without'.padStart(15)}${'formula (1-p)h'.padStart(16)}`,
  );
  h.forEach((v, i) => {
    if (v !== 0) {
      scaledZ = Math.max(scaledZ, Math.abs(scaled[i] - v) / se(v));
      unscaledZ = Math.min(unscaledZ, Math.abs(unscaled[i] - v) / se(v));
    } else if (scaled[i] !== 0) scaledZ = Number.POSITIVE_INFINITY;
    print(
      `  ${v.toFixed(2).padStart(6)}${scaled[i].toFixed(4).padStart(20)}${v.toFixed(4).padStart(11)}${unscaled[i].toFixed(4).padStart(15)}${((1 - p) * v).toFixed(4).padStart(16)}`,
    );
  });
  const keptScale = [...values].filter((r) => r !== 0);
  print(`  a kept unit is multiplied by ${keptScale.join(', ')} = 1/(1-p); a dropped one by 0.`);
  print(
    `  with the scaling the means sit within ${scaledZ.toFixed(1)} standard errors of h; without it, at least`,
  );
  print(
    `  ${unscaledZ.toFixed(0)} standard errors away: evaluation (dropout off) would see activations 1/(1-p) = 2 times larger.`,
  );
  return { masks, scaledZ, unscaledZ, keptScale };
}

/**
 * Part 3. The logged loss is the mean over the epoch's batches, each computed with dropout ON
 * (half the units silenced) while the weights were still changing; val_loss is computed after the
 * epoch with dropout OFF. Scoring the training rows the way val_loss is scored shows the gap is
 * dropout, not the validation rows being easier.
 */
async function whyValLossIsLower(
  print: Print,
  model: tg.Model,
  xTrain: { data: tg.FloatArray; shape: number[] },
  yTrain: tg.FloatArray,
  history: tg.History,
  trainEvalLoss: number[],
  out: string | null,
) {
  const logged = history.history.loss;
  const val = history.history.val_loss;
  const e = logged.length - 1;
  // The final weights with dropout on, as in training (one fresh set of masks); evaluate would
  // switch dropout off, so this runs the network's forward pass directly.
  model.network.train();
  const trainDropoutLoss = tg
    .noGrad(() =>
      tg.bce(
        model.network.forward(tg.tensor(xTrain.data, xTrain.shape)),
        tg.tensor(yTrain, [yTrain.length, 1]),
      ),
    )
    .item();
  model.network.eval();
  print('\nPart 3: why val_loss is lower than loss');
  print(
    `  last epoch, logged by fit:        loss ${logged[e].toFixed(4)} (train rows, dropout on, mean over the epoch)`,
  );
  print(
    `                                    val_loss ${val[e].toFixed(4)} (test rows, dropout off, after the epoch)`,
  );
  print(`  train rows, final weights, dropout on:  ${trainDropoutLoss.toFixed(4)}`);
  print(`  train rows, final weights, dropout off: ${trainEvalLoss[e].toFixed(4)}  <- scored as val_loss is`);
  const gap = logged[e] - trainEvalLoss[e];
  const fromDropout = trainDropoutLoss - trainEvalLoss[e];
  print(
    `  Of the gap loss - (train rows, dropout off) = ${gap.toFixed(4)}, dropout alone makes ${fromDropout.toFixed(4)} (half the units`,
  );
  print(
    `  silenced); the rest, ${(gap - fromDropout).toFixed(4)}, is the epoch mean counting batches seen with older weights (and`,
  );
  print(
    `  one draw of masks against another). Scored alike, train and test rows differ by ${(val[e] - trainEvalLoss[e]).toFixed(4)}:`,
  );
  print('  val_loss is lower because dropout is off in evaluation, not because the test rows are easier.');
  const epochs = logged.map((_, i) => i + 1);
  const chart = await writeChart(
    out,
    '04-loss-history.svg',
    {
      title: 'Loss per epoch: dropout is on in training, off in evaluation',
      xLabel: 'epoch',
      yLabel: 'binary cross-entropy',
      series: [
        { name: 'loss (dropout on)', points: epochs.map((x, i) => ({ x, y: logged[i] })) },
        { name: 'train, dropout off', points: epochs.map((x, i) => ({ x, y: trainEvalLoss[i] })) },
        { name: 'val_loss', points: epochs.map((x, i) => ({ x, y: val[i] })) },
      ],
    },
    print,
  );
  return {
    loggedLoss: logged[e],
    valLoss: val[e],
    trainDropoutLoss,
    trainEvalLoss: trainEvalLoss[e],
    charts: chart ? [chart] : [],
  };
}

const sci = (v: number, width: number) => v.toExponential(2).padStart(width);

runIfMain(import.meta.url, (options) => main({ ...options, out: outArgument() }));
