import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error the build script is plain JavaScript (node playground/build.mjs)
import { buildPlayground } from '../../playground/build.mjs';

const out = mkdtempSync(join(tmpdir(), 'tg-playground-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

type Meta = { inputs: Record<string, unknown>; outputs: Record<string, { bytes: number }> };

describe('playground bundle (esbuild, platform browser)', () => {
  it('builds src/browser.ts and the page without any Node-only module', async () => {
    const meta: Meta = await buildPlayground({ outdir: join(out, 'page'), minify: false });
    const inputs = Object.keys(meta.inputs);
    expect(inputs.some((f) => f.endsWith('src/browser.ts'))).toBe(true);
    expect(inputs.some((f) => f.includes('gpu.js/dist/gpu-browser'))).toBe(true);
    for (const f of inputs)
      expect(f).not.toMatch(/src\/(cli|io|data|tabular|kernels\/native|kernels\/vulkan)\//);
    const js = Object.entries(meta.outputs).find(([f]) => f.endsWith('main.js'));
    expect(js?.[1].bytes).toBeGreaterThan(100_000);
  });

  it('fails when a Node-only module sneaks in (the guard)', async () => {
    const src = join(process.cwd(), 'src');
    const cases: Array<[string, RegExp]> = [
      ["import { readFileSync } from 'node:fs'; console.log(readFileSync);", /Node-only module 'node:fs'/],
      ["import { EventEmitter } from 'events'; console.log(EventEmitter);", /Node-only module 'events'/],
      [
        `import { loadNativeAddon } from '${src}/kernels/native/addon.js'; console.log(loadNativeAddon);`,
        /Node-only/,
      ],
      [`import * as tg from '${src}/index.js'; console.log(tg);`, /Node-only/],
    ];
    for (const [i, [source, message]] of cases.entries()) {
      const entry = join(out, `sneak-${i}.ts`);
      writeFileSync(entry, `${source}\n`);
      await expect(buildPlayground({ entry, outdir: join(out, 'sneak') })).rejects.toThrow(message);
    }
  });
});
