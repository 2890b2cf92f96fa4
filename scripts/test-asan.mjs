#!/usr/bin/env node
// npm run test:asan: builds the addon with AddressSanitizer into build-asan/ and runs the native
// tests against it, with libasan preloaded into node (node itself is not instrumented).
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--asan'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const libasan = execFileSync('g++', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const env = {
  ...process.env,
  LD_PRELOAD: libasan,
  // node's own allocations are not ours to judge; V8 also trips the stack-use-after-return check.
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0',
  TENSORGRAD_NATIVE_ADDON: join(root, 'build-asan', 'build', 'Release', 'tensorgrad_native.node'),
};
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', 'test/native', 'test/kernels'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
