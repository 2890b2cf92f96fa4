import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main as gradientDescent } from '../../examples/01-gradient-descent.js';

// The teaching scripts that compute a picture's math by hand: short runs, checked numbers, and the
// SVG files written only when an output directory is given.
const lines: string[] = [];
const print = (line: string) => lines.push(line);
const outDir = mkdtempSync(join(tmpdir(), 'tensorgrad-pictures-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('01: the learning rate against 2 / lambda_max', () => {
  it('diverges exactly past the limit, at the rate the top eigenvalue predicts', async () => {
    const r = await gradientDescent({ quick: true, print });
    // Standard-normal features and a bias column: H = (2/m) A^T A is close to 2 I.
    expect(r.lambdaMax).toBeGreaterThan(2);
    expect(r.lambdaMax).toBeLessThan(3);
    expect(r.lambdaMin).toBeGreaterThan(1);
    expect(r.lambdaMin).toBeLessThan(r.lambdaMax);
    expect(r.limit).toBeCloseTo(2 / r.lambdaMax, 12);
    expect(r.sweep.map((s) => s.fraction > 1)).toEqual(r.sweep.map((s) => s.diverged));
    expect(r.sweep.filter((s) => s.diverged).length).toBeGreaterThanOrEqual(1);
    expect(r.sweep.filter((s) => !s.diverged).length).toBeGreaterThanOrEqual(2);
    for (const s of r.sweep) {
      expect(s.boundHolds).toBe(true);
      if (s.diverged) expect(s.growth).toBeCloseTo(s.lr * r.lambdaMax - 1, 4);
    }
    // The progress is printed at steps that differ (the issue: four of five lines were identical).
    const gdLines = lines.filter((l) => /^ {2}step +\d+: J = /.test(l)).slice(0, 6);
    expect(new Set(gdLines.map((l) => l.match(/J = (\S+)/)![1])).size).toBe(gdLines.length);
  });

  it('writes the two sweep charts only when given --out', async () => {
    await gradientDescent({ quick: true, print, out: outDir });
    for (const name of ['01-learning-rates-gd.svg', '01-learning-rates-sgd.svg']) {
      const svg = readFileSync(join(outDir, name), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('x limit');
    }
  });
});
