#!/usr/bin/env node
// Builds the native addon with node-gyp. Runs as the package's `install` script, so it must never
// fail the install: on error it records one line of why in build/native-build-error.txt (the
// loader shows it) and exits 0; tensorgrad then runs on its TypeScript kernels.
//
//   node scripts/build-native.mjs          release build into build/
//   node scripts/build-native.mjs --asan   AddressSanitizer build into build-asan/ (test:asan)
//   node scripts/build-native.mjs --strict exit non-zero on failure (CI, npm run build:native)
//
// The Vulkan provider is compiled in when Vulkan's headers (Debian: libvulkan-dev) and glslc
// (Debian: glslc) are found; otherwise the addon is built without it and build/Release/
// vulkan-build.txt says why (tensorgrad info shows it). TENSORGRAD_NO_VULKAN_BUILD=1 leaves it out.
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
  // Every path into the repository (sources, shader inputs, the action's arguments) one level up.
  const relocate = (v) =>
    typeof v === 'string'
      ? v.replace(/(^|=)((?:native|scripts)\/)/g, '$1../$2')
      : Array.isArray(v)
        ? v.map(relocate)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, relocate(x)]))
          : v;
  const target = relocate(gyp.targets[0]);
  target.include_dirs = [dirname(require.resolve('node-addon-api/package.json'))];
  gyp.targets[0] = target;
  gyp.variables.tensorgrad_asan = 'true';
  writeFileSync(join(cwd, 'binding.gyp'), JSON.stringify(gyp, null, 2));
} else {
  rmSync(errorFile, { force: true });
}

/** Why the Vulkan part cannot be built here, or null when it can. */
function vulkanBlocker() {
  if (process.env.TENSORGRAD_NO_VULKAN_BUILD) return 'TENSORGRAD_NO_VULKAN_BUILD is set';
  const cxx = process.env.CXX || 'c++';
  const header = spawnSync(cxx, ['-fsyntax-only', '-x', 'c++', '-'], {
    input:
      '#define VK_NO_PROTOTYPES\n#include <vulkan/vulkan.h>\nint main() { return VK_API_VERSION_1_2 ? 0 : 1; }\n',
    encoding: 'utf8',
  });
  if (header.error || header.status !== 0) {
    return 'the Vulkan headers were not found (install libvulkan-dev, or Vulkan-Headers, and rebuild)';
  }
  const glslc = process.env.TENSORGRAD_GLSLC || 'glslc';
  const version = spawnSync(glslc, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    return `${glslc} was not found to compile the compute shaders (install glslc, or shaderc, and rebuild)`;
  }
  return null;
}

const vulkanWhyNot = vulkanBlocker();
// gyp variables: whether to compile the Vulkan part, and the node that runs its shader action.
const defines = [`-Dtensorgrad_vulkan=${vulkanWhyNot === null}`, `-Dtensorgrad_node=${process.execPath}`];

const jobs = ['-j', 'max'];
const res = spawnSync(process.execPath, [nodeGyp, ...args, ...jobs, '--', ...defines], {
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
// node-gyp rebuild starts from an empty build/, so the note is written after it.
const vulkanNote = join(cwd, 'build', 'Release', 'vulkan-build.txt');
if (vulkanWhyNot === null) rmSync(vulkanNote, { force: true });
else writeFileSync(vulkanNote, `${vulkanWhyNot}\n`);
console.log(
  `tensorgrad: native addon built${asan ? ' with AddressSanitizer' : ''}` +
    (vulkanWhyNot === null
      ? ', with the Vulkan provider.'
      : `, without the Vulkan provider: ${vulkanWhyNot}.`),
);
