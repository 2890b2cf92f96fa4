#!/usr/bin/env node
// npm run test:asan: builds the addon with AddressSanitizer into build-asan/ and runs the native
// tests against it, with libasan preloaded into node (node itself is not instrumented). When the
// sanitized addon has the Vulkan provider, its tests must run too (TENSORGRAD_REQUIRE_VULKAN=1,
// unless set otherwise): a missing driver then fails the run instead of skipping the Vulkan path.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--asan'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const release = join(root, 'build-asan', 'build', 'Release');
const vulkanNote = join(release, 'vulkan-build.txt');
const vulkanBuilt = !existsSync(vulkanNote);
console.log(
  vulkanBuilt
    ? 'test:asan: the Vulkan provider is in the sanitized addon; its tests run against it'
    : `test:asan: the sanitized addon has no Vulkan provider (${readFileSync(vulkanNote, 'utf8').trim()})`,
);

const libasan = execFileSync('g++', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const env = {
  ...process.env,
  LD_PRELOAD: libasan,
  // node's own allocations are not ours to judge; V8 also trips the stack-use-after-return check.
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0',
  TENSORGRAD_NATIVE_ADDON: join(release, 'tensorgrad_native.node'),
  ...(vulkanBuilt && process.env.TENSORGRAD_REQUIRE_VULKAN === undefined
    ? { TENSORGRAD_REQUIRE_VULKAN: '1' }
    : {}),
};
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', 'test/native', 'test/kernels'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
