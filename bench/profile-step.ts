// Child process of `npm run bench -- --profile`: trains the seed model on one backend under the V8
// sampling profiler (node:inspector), started after a warm-up epoch so that start-up, module
// loading and JIT warm-up stay out of the profile.
// Usage: profile-step.ts <backend> <epochs> <profile.json>
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { setProvider } from '../src/index.js';
import { makeData, tensorgradModel } from './lib/training-bench.js';

const backend = process.argv[2] ?? 'auto';
const epochs = Number(process.argv[3] ?? 10);
const out = process.argv[4] ?? 'profile.cpuprofile';
setProvider(backend);
const data = makeData(10, 4096);
const x = { data: data.x, shape: [data.rows, 10] };
const model = tensorgradModel('seed');
model.fit(x, data.y, { epochs: 1, batchSize: 32, verbose: 0 });

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
const t0 = performance.now();
model.fit(x, data.y, { epochs, batchSize: 32, verbose: 0 });
const ms = performance.now() - t0;
const { profile } = await session.post('Profiler.stop');
session.disconnect();
writeFileSync(out, JSON.stringify(profile));
process.stdout.write(`${JSON.stringify({ backend, steps: epochs * (data.rows / 32), ms })}\n`);
