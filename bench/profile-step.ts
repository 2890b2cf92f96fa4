// Child process of `npm run bench -- --profile`: trains the seed or wide model on one backend under the V8
// sampling profiler (node:inspector), started after a warm-up epoch so that start-up, module
// loading and JIT warm-up stay out of the profile.
// Usage: profile-step.ts <backend> <epochs> <profile.json> [seed|wide]
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { setProvider } from '../src/index.js';
import { profilePlan } from './lib/profile.js';
import { MODELS, type ModelName } from './lib/shapes.js';
import { makeData, tensorgradModel } from './lib/training-bench.js';

const backend = process.argv[2] ?? 'auto';
const epochs = Number(process.argv[3] ?? 10);
const out = process.argv[4] ?? 'profile.cpuprofile';
const name = (process.argv[5] ?? 'seed') as ModelName;
if (!(name in MODELS)) throw new Error(`profile-step: unknown model '${name}'`);
setProvider(backend);
const { rows, batch } = profilePlan(name, false);
const features = MODELS[name].widths[0];
const data = makeData(features, rows);
const x = { data: data.x, shape: [data.rows, features] };
const model = tensorgradModel(name);
model.fit(x, data.y, { epochs: 1, batchSize: batch, verbose: 0 });

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
const t0 = performance.now();
model.fit(x, data.y, { epochs, batchSize: batch, verbose: 0 });
const ms = performance.now() - t0;
const { profile } = await session.post('Profiler.stop');
session.disconnect();
writeFileSync(out, JSON.stringify(profile));
process.stdout.write(`${JSON.stringify({ backend, steps: epochs * Math.ceil(data.rows / batch), ms })}\n`);
