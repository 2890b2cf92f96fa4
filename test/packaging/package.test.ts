import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { infoLines, usageLines } from '../../src/cli/info.js';
import { rebuildCommand } from '../../src/kernels/native/addon.js';

// What someone who runs `npm install tensorgrad` gets: the files, the license, the hints.
const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const temp = mkdtempSync(join(tmpdir(), 'tg-packaging-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The tarball's file list, as `npm pack` would make it (without running the build). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return (JSON.parse(out)[0].files as Array<{ path: string }>).map((f) => f.path);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the npm package', () => {
  const files = packedFiles();

  it('has an MIT LICENSE, as package.json says, and ships it', () => {
    expect(pkg.license).toBe('MIT');
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the tensorgrad authors\n/);
    expect(files).toContain('LICENSE');
  });

  it('ships every docs page a message or the README points to, and what the install script builds', () => {
    const text = [...sourceFiles(join(root, 'src')), join(root, 'README.md')]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const pages = [...new Set([...text.matchAll(/docs\/[\w-]+\.md/g)].map((m) => m[0]))];
    expect(pages).toContain('docs/gpu.md');
    for (const page of pages) expect(files, page).toContain(page);
    const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8'));
    for (const source of gyp.targets[0].sources as string[]) expect(files).toContain(source);
    for (const f of ['binding.gyp', 'scripts/build-native.mjs', 'bin/tensorgrad.js', 'README.md']) {
      expect(files).toContain(f);
    }
  });

  it('leaves out the bundled CSV (no code of the package reads data/) and the repository-only scripts', () => {
    expect(
      files.filter((f) => f.startsWith('data/') || f.startsWith('test/') || f.startsWith('bench/')),
    ).toEqual([]);
    expect(files).not.toContain('scripts/test-asan.mjs');
    const readers = sourceFiles(join(root, 'src')).filter((f) =>
      readFileSync(f, 'utf8').includes('online_shoppers_intention'),
    );
    expect(readers).toEqual([]);
  });
});

describe('the hint after a failed native build', () => {
  it('is npm rebuild tensorgrad where tensorgrad is a dependency, npm run build:native in a clone', () => {
    expect(rebuildCommand('/home/me/shop/node_modules/tensorgrad')).toBe('npm rebuild tensorgrad');
    expect(rebuildCommand('C:\\shop\\node_modules\\tensorgrad')).toBe('npm rebuild tensorgrad');
    expect(rebuildCommand('/home/me/src/tensorgrad')).toBe('npm run build:native');
  });

  it.each([
    ['installed as a dependency', ['node_modules', 'tensorgrad'], 'npm rebuild tensorgrad'],
    ['in a clone', ['tensorgrad'], 'npm run build:native'],
  ])('scripts/build-native.mjs names the right command %s', (_where, path, command) => {
    const pkgDir = join(temp, ...path, String(Math.random()).slice(2));
    mkdirSync(join(pkgDir, 'scripts'), { recursive: true });
    copyFileSync(join(root, 'scripts/build-native.mjs'), join(pkgDir, 'scripts/build-native.mjs'));
    writeFileSync(join(pkgDir, 'package.json'), '{"name": "tensorgrad", "type": "module"}');
    const res = spawnSync(process.execPath, [join(pkgDir, 'scripts/build-native.mjs')], {
      env: { ...process.env, TENSORGRAD_SKIP_NATIVE: '1' },
      encoding: 'utf8',
    });
    expect(res.status).toBe(0); // an install never fails because of the addon
    expect(res.stderr).toContain(
      `native addon not built (TENSORGRAD_SKIP_NATIVE is set); the TypeScript kernels will be used. Once the cause is fixed, run ${command}.`,
    );
    expect(readFileSync(join(pkgDir, 'build/native-build-error.txt'), 'utf8')).toBe(
      'TENSORGRAD_SKIP_NATIVE is set\n',
    );
  });

  it('the loader says it too when the addon is missing', () => {
    const res = spawnSync(
      join(root, 'node_modules/.bin/tsx'),
      [
        '-e',
        `import('${join(root, 'src/kernels/native/addon.ts')}').then((m) => { try { m.loadNativeAddon(); } catch (e) { console.log(e.message); } })`,
      ],
      { env: { ...process.env, TENSORGRAD_NATIVE_ADDON: join(temp, 'missing.node') }, encoding: 'utf8' },
    );
    expect(res.stdout.trim()).toMatch(
      /^native addon (not built; run npm run build:native|build failed: .*; once that is fixed, run npm run build:native)$/,
    );
  });
});

describe('tensorgrad info', () => {
  it('says how to use the command line and the API from another project', () => {
    const text = usageLines().join('\n');
    expect(text).toContain('npm install tensorgrad');
    expect(text).toMatch(/npx tensorgrad train --data FILE\.csv --label COLUMN --out /);
    expect(text).toContain('npx tensorgrad <command> --help');
    expect(text).toContain(`installed at: ${root}`);
    const info = infoLines();
    expect(info.slice(-usageLines().length)).toEqual(usageLines());
  });
});
