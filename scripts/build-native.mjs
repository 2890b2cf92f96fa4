#!/usr/bin/env node
// Builds the native addon with node-gyp. Runs as the package's `install` script, so it must never
// fail the install: on error it records one line of why in build/native-build-error.txt (the
// loader shows it) and exits 0; tensorgrad then runs on its TypeScript kernels.
//
//   node scripts/build-native.mjs          release build into build/
//   node scripts/build-native.mjs --asan   AddressSanitizer build into build-asan/ (test:asan)
//   node scripts/build-native.mjs --strict exit non-zero on failure (CI, npm run build:native)
//   node scripts/build-native.mjs --out DIR  build into DIR/build/ instead (a test builds without
//                                           Vulkan there, leaving the release build alone)
//   node scripts/build-native.mjs --vulkan-check  print why the Vulkan part cannot be built here
//                                           (or that it can) and exit; nothing is built
//
// The Vulkan provider is compiled in when Vulkan's headers (Debian: libvulkan-dev) and glslc
// (Debian: glslc) are found; otherwise the addon is built without it and build/Release/
// vulkan-build.txt says why (tensorgrad info shows it). TENSORGRAD_NO_VULKAN_BUILD=1 leaves it out.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const argv = process.argv.slice(2);
const asan = argv.includes('--asan');
const outAt = argv.indexOf('--out');
const out = outAt >= 0 ? argv[outAt + 1] : undefined;
if (outAt >= 0 && !out) {
  console.error('build-native: --out needs a directory');
  process.exit(2);
}
const strict = argv.includes('--strict') || asan || out !== undefined;
const errorFile = join(root, 'build', 'native-build-error.txt');
// Installed as a dependency, only `npm rebuild tensorgrad` reruns this script (package.json's
// build:native exists only in a clone); src/kernels/native/addon.ts makes the same choice.
const rebuild = root.split(/[\\/]/).includes('node_modules')
  ? 'npm rebuild tensorgrad'
  : 'npm run build:native';

function fail(reason) {
  const line = reason.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  if (!asan && !out) {
    mkdirSync(dirname(errorFile), { recursive: true });
    writeFileSync(errorFile, `${line}\n`);
  }
  console.warn(
    `tensorgrad: native addon not built (${line}); the TypeScript kernels will be used. Once the cause is fixed, run ${rebuild}.`,
  );
  process.exit(strict ? 1 : 0);
}

if (argv.includes('--vulkan-check')) {
  const why = vulkanBlocker();
  console.log(why === null ? 'the Vulkan provider can be built here' : why);
  process.exit(0);
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
if (asan || out) {
  // A separate project directory, so the sanitized (or --out) build never replaces the release one.
  cwd = out ? resolve(out) : join(root, 'build-asan');
  mkdirSync(cwd, { recursive: true });
  const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8'));
  // Every path into the repository (sources, shader inputs, the action's arguments) relative to
  // the new project directory (gyp's make generator wants relative source paths).
  const up = relative(cwd, root).split(sep).join('/');
  const relocate = (v) =>
    typeof v === 'string'
      ? v.replace(/(^|=)((?:native|scripts)\/)/g, `$1${up}/$2`)
      : Array.isArray(v)
        ? v.map(relocate)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, relocate(x)]))
          : v;
  const target = relocate(gyp.targets[0]);
  target.include_dirs = [dirname(require.resolve('node-addon-api/package.json'))];
  gyp.targets[0] = target;
  if (asan) gyp.variables.tensorgrad_asan = 'true';
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
