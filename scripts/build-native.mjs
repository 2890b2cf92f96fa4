#!/usr/bin/env node
// Builds the native addon with node-gyp. Runs as the package's `install` script, so it must never
// fail the install: on error it records one line of why in build/native-build-error.txt (the
// loader shows it) and exits 0; tensorgrad then runs on its TypeScript kernels.
//
//   node scripts/build-native.mjs          release build into build/
//   node scripts/build-native.mjs --asan   AddressSanitizer build into build-asan/ (test:asan)
//   node scripts/build-native.mjs --strict exit non-zero on failure (CI, npm run build:native)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const asan = process.argv.includes('--asan');
const strict = process.argv.includes('--strict') || asan;
const errorFile = join(root, 'build', 'native-build-error.txt');
// Installed as a dependency, only `npm rebuild tensorgrad` reruns this script (package.json's
// build:native exists only in a clone); src/kernels/native/addon.ts makes the same choice.
const rebuild = root.split(/[\\/]/).includes('node_modules')
  ? 'npm rebuild tensorgrad'
  : 'npm run build:native';

function fail(reason) {
  const line = reason.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  if (!asan) {
    mkdirSync(dirname(errorFile), { recursive: true });
    writeFileSync(errorFile, `${line}\n`);
  }
  console.warn(
    `tensorgrad: native addon not built (${line}); the TypeScript kernels will be used. Once the cause is fixed, run ${rebuild}.`,
  );
  process.exit(strict ? 1 : 0);
}

if (process.env.TENSORGRAD_SKIP_NATIVE) fail('TENSORGRAD_SKIP_NATIVE is set');

let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  fail('node-gyp is not installed');
}

// Use the headers installed next to this node when they exist, so no download is needed.
const args = ['rebuild', '--release'];
const localHeaders = resolve(dirname(process.execPath), '..');
if (existsSync(join(localHeaders, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${localHeaders}`);

let cwd = root;
if (asan) {
  // A separate project directory, so the sanitized build never replaces the release one.
  cwd = join(root, 'build-asan');
  mkdirSync(cwd, { recursive: true });
  const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8'));
  const target = gyp.targets[0];
  target.sources = target.sources.map((s) => `../${s}`);
  target.include_dirs = [dirname(require.resolve('node-addon-api/package.json'))];
  gyp.variables.tensorgrad_asan = 'true';
  writeFileSync(join(cwd, 'binding.gyp'), JSON.stringify(gyp, null, 2));
} else {
  rmSync(errorFile, { force: true });
}

const jobs = ['-j', 'max'];
const res = spawnSync(process.execPath, [nodeGyp, ...args, ...jobs], {
  cwd,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
if (res.error) fail(res.error.message);
if (res.status !== 0) {
  const out = `${res.stderr}\n${res.stdout}`;
  const firstError = out.split('\n').find((l) => /error/i.test(l)) ?? `node-gyp exited with ${res.status}`;
  process.stderr.write(out.slice(-4000));
  fail(firstError.trim());
}
console.log(`tensorgrad: native addon built${asan ? ' with AddressSanitizer' : ''}.`);
