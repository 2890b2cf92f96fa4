import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error the build script is plain JavaScript (node playground/build.mjs)
import { buildPlayground } from '../../playground/build.mjs';
import { SECTION_5, SECTION_43, trainLosses } from '../../playground/src/trainer.js';
import { setProvider } from '../../src/index.js';

/**
 * The playground page in Debian's chromium (driven by playwright-core, no downloaded browser):
 * trains with a fixed seed in the page and compares the losses with the same run in Node.
 */
const CHROMIUM = process.env.TENSORGRAD_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const STEPS = 40;
const SEED = 11;
const have = existsSync(CHROMIUM);
if (!have && process.env.CI !== 'true') {
  console.log(
    `playground browser test skipped: no chromium at ${CHROMIUM} (apt-get install chromium); CI fails instead`,
  );
}

type PageHook = {
  kernels: { provider: string; detail: string };
  train(steps: number, seed: number, options?: object): number[];
};

function serve(dir: string): Promise<Server> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.map': 'application/json',
  };
  const server = createServer((req, res) => {
    const path = normalize(join(dir, (req.url ?? '/').split('?')[0].replace(/^\/$/, '/index.html')));
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    res.end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function relativeDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-12));
  return worst;
}

describe.skipIf(!have && process.env.CI !== 'true')('playground in chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-page-'));
  const profile = mkdtempSync(join(tmpdir(), 'tg-chromium-'));
  let server: Server;
  // biome-ignore lint/suspicious/noExplicitAny: playwright-core's types are loaded lazily
  let browser: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  let page: any;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!have) throw new Error(`no chromium at ${CHROMIUM}: .ci/run installs Debian's chromium`);
    await buildPlayground({ outdir: dir });
    server = await serve(dir);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
    page.on('console', (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e: Error) => consoleErrors.push(String(e)));
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => 'tensorgradPlayground' in globalThis);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  it('trains the section 4.3 and section 5 networks to the losses Node computes (js provider)', async () => {
    for (const [name, settings] of [
      ['4.3', SECTION_43],
      ['5', SECTION_5],
    ] as const) {
      const inPage: number[] = await page.evaluate(
        ([steps, seed, s]: [number, number, object]) =>
          (globalThis as unknown as { tensorgradPlayground: PageHook }).tensorgradPlayground.train(
            steps,
            seed,
            {
              settings: s,
            },
          ),
        [STEPS, SEED, settings],
      );
      setProvider('js');
      const inNode = trainLosses({ ...settings, seed: SEED }, STEPS);
      setProvider('auto');
      const diff = relativeDiff(inPage, inNode);
      console.log(
        `playground section ${name}: ${STEPS} steps, loss ${inNode[0].toFixed(4)} -> ${inNode[STEPS - 1].toFixed(4)}, worst relative difference browser vs Node ${diff.toExponential(2)}`,
      );
      expect(diff).toBeLessThanOrEqual(1e-5);
      expect(inNode[STEPS - 1]).toBeLessThan(inNode[0]);
    }
  });

  it('names the kernels that ran, trains on them if gpu.js started, logs no console errors, and keeps a screenshot', async () => {
    const kernels: PageHook['kernels'] = await page.evaluate(
      () => (globalThis as unknown as { tensorgradPlayground: PageHook }).tensorgradPlayground.kernels,
    );
    const shown: string = await page.textContent('#mode');
    expect(shown).toContain(`kernels: ${kernels.provider}`);
    console.log(`playground kernels in headless chromium: ${kernels.provider} (${kernels.detail})`);
    if (kernels.provider === 'gpu') {
      const onGpu: number[] = await page.evaluate(
        ([steps, seed]: [number, number]) =>
          (globalThis as unknown as { tensorgradPlayground: PageHook }).tensorgradPlayground.train(
            steps,
            seed,
            {
              provider: 'gpu',
            },
          ),
        [STEPS, SEED],
      );
      setProvider('js');
      const inNode = trainLosses({ ...SECTION_43, seed: SEED }, STEPS);
      setProvider('auto');
      const diff = relativeDiff(onGpu, inNode);
      console.log(`playground on gpu.js vs Node js: worst relative loss difference ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-2);
    }
    await page.click('#step');
    expect(await page.textContent('#graph')).toMatch(/bceWithLogits/);
    expect(await page.textContent('#status')).toMatch(/step \d+ — train loss/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'playground.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'playground.png'))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
