import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The addon builds, loads and computes where Vulkan's headers or glslc are absent: the build leaves
// the Vulkan part out and says why, and `tensorgrad info` repeats it. The build's own check is run
// with each of the two hidden; the whole build without Vulkan (about a minute on 2 cores) runs in
// CI, or locally with TENSORGRAD_TEST_BUILDS=1.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'scripts', 'build-native.mjs');
const temp = mkdtempSync(join(tmpdir(), 'tensorgrad-vulkan-build-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function vulkanCheck(env: Record<string, string>): string {
  const res = spawnSync(process.execPath, [script, '--vulkan-check'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  expect(res.status).toBe(0);
  return res.stdout.trim();
}

/** A C++ compiler that does not see the system's include directories, as where libvulkan-dev is absent. */
function compilerWithoutHeaders(): string {
  const cxx = process.env.CXX || 'c++';
  const wrapper = join(temp, 'cxx-without-headers');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${cxx} -nostdinc "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

const here = vulkanCheck({});
const buildable = here === 'the Vulkan provider can be built here';

describe('the build without Vulkan headers or glslc', () => {
  it.skipIf(!buildable)('names the missing glslc', () => {
    expect(vulkanCheck({ TENSORGRAD_GLSLC: join(temp, 'no-glslc') })).toBe(
      `${join(temp, 'no-glslc')} was not found to compile the compute shaders (install glslc, or shaderc, and rebuild)`,
    );
  });

  it('names the missing headers', () => {
    if (!buildable) console.warn(`the Vulkan provider cannot be built here: ${here}`);
    expect(vulkanCheck({ CXX: compilerWithoutHeaders() })).toBe(
      'the Vulkan headers were not found (install libvulkan-dev, or Vulkan-Headers, and rebuild)',
    );
  });

  const full = !!process.env.CI || process.env.TENSORGRAD_TEST_BUILDS === '1';
  if (!full) console.warn('the build without Vulkan runs in CI, or with TENSORGRAD_TEST_BUILDS=1');
  it.skipIf(!full)(
    'builds an addon that loads, computes, and says why Vulkan is unavailable',
    () => {
      const out = join(temp, 'no-vulkan');
      const glslc = join(temp, 'no-glslc');
      const build = spawnSync(process.execPath, [script, '--out', out], {
        env: { ...process.env, TENSORGRAD_GLSLC: glslc },
        encoding: 'utf8',
      });
      expect(build.stderr.slice(-2000)).not.toMatch(/error/i);
      expect(build.status).toBe(0);
      expect(build.stdout).toContain(
        `native addon built, without the Vulkan provider: ${glslc} was not found to compile the compute shaders`,
      );
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(root, 'test', 'kernels', 'vulkan-child.ts')],
        {
          cwd: root,
          env: {
            ...process.env,
            TENSORGRAD_NATIVE_ADDON: join(out, 'build', 'Release', 'tensorgrad_native.node'),
          },
          encoding: 'utf8',
        },
      );
      expect(child.status, child.stderr).toBe(0);
      const r = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}');
      expect(r.correct).toBe(true);
      expect(r.autoPick).toBe('native');
      expect(r.warnings).toEqual([]);
      const why = `the native addon was built without Vulkan: ${glslc} was not found to compile the compute shaders`;
      expect(r.vulkanError).toContain(why);
      expect(r.info.join('\n')).toMatch(/vulkan\s+unavailable: the native addon was built without Vulkan/);
    },
    600_000,
  );
});
