// Child process of `npm run bench -- --profile`: trains the seed model on one backend so that
// `node --cpu-prof` can see where a training step's time goes. Usage: profile-step.ts <backend> <epochs>
import { setBackend } from '../src/index.js';
import { makeData, tensorgradModel } from './lib/training-bench.js';

const backend = process.argv[2] ?? 'auto';
const epochs = Number(process.argv[3] ?? 10);
setBackend(backend);
const data = makeData(10, 4096);
const model = tensorgradModel('seed');
model.fit({ data: data.x, shape: [data.rows, 10] }, data.y, { epochs: 1, batchSize: 32, verbose: 0 });
const t0 = performance.now();
model.fit({ data: data.x, shape: [data.rows, 10] }, data.y, { epochs, batchSize: 32, verbose: 0 });
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ backend, steps: epochs * (data.rows / 32), ms })}\n`);
