// Samples per second of the seed model's training (10 -> 64 -> 32 -> 1, dropout 0.5, batch 32,
// Adam, BCE) on the current kernel backend: `npm run bench:train [-- --backend js|native|gpu|auto]`.
import { currentProvider, Generator, setProvider, Tensor } from '../src/index.js';
import { binaryClassifier, SEED_NETWORK } from '../src/tabular/architectures.js';

const args = process.argv.slice(2);
const at = args.indexOf('--backend');
if (at >= 0) setProvider(args[at + 1]);
const rows = Number(process.env.BENCH_ROWS ?? 32_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

const g = new Generator(1);
const x = new Float32Array(rows * 10);
const y = new Float32Array(rows);
for (let i = 0; i < rows; i++) {
  let s = 0;
  for (let j = 0; j < 10; j++) {
    const v = g.normal();
    x[i * 10 + j] = v;
    s += v * (j % 3 === 0 ? 1 : -0.5);
  }
  y[i] = s + x[i * 10] * x[i * 10 + 1] > 0 ? 1 : 0;
}

// The section 5 network as the CLI builds it (Adam 0.001, binary cross-entropy, accuracy).
const model = binaryClassifier(SEED_NETWORK, 1);
const xt = new Tensor(x, [rows, 10]);
model.fit(xt, y, { epochs: 1, batchSize: 32, verbose: 0 }); // warm-up (JIT)
const rates: number[] = [];
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  model.fit(xt, y, { epochs: 1, batchSize: 32, verbose: 0 });
  rates.push(rows / ((performance.now() - t0) / 1000));
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)];
console.log(
  `seed model train step, provider ${currentProvider()}: ${Math.round(median).toLocaleString('en-US')} samples/s ` +
    `(median of ${rounds} epochs of ${rows} rows; min ${Math.round(rates[0])}, max ${Math.round(rates[rates.length - 1])})`,
);
