import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main as gradientDescent } from '../../examples/01-gradient-descent.js';
import { main as decisionBoundary } from '../../examples/08-decision-boundary.js';
import { main as vanishing } from '../../examples/09-vanishing-gradients.js';

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

describe('09: vanishing and exploding gradients in a 16-layer stack', () => {
  it('backprop by hand equals autodiff, obeys the chain-rule bound, and shows each regime', async () => {
    const runs = await vanishing({ quick: true, print, out: outDir });
    const get = (act: string, init: string) => runs.find((r) => r.act === act && r.init === init)!;
    expect(runs).toHaveLength(6);
    for (const r of runs) {
      expect(r.norms).toHaveLength(16);
      expect(r.handVsAutodiff).toBeLessThan(1e-12);
      expect(r.boundHolds).toBe(true);
      expect(r.deltaRatio).toBeLessThanOrEqual(r.deltaBound);
    }
    // Sigmoid with small weights: the first layer's gradient is many orders below the last's.
    expect(get('sigmoid', 'small').ratio).toBeLessThan(1e-8);
    expect(get('sigmoid', 'glorot').ratio).toBeLessThan(1e-5);
    // Relu keeps the layers level, but the scale of the weights sets the size of every gradient.
    for (const init of ['small', 'glorot', 'large']) {
      expect(get('relu', init).ratio).toBeGreaterThan(0.05);
      expect(get('relu', init).ratio).toBeLessThan(20);
    }
    expect(Math.min(...get('relu', 'large').norms)).toBeGreaterThan(1e10);
    expect(Math.max(...get('relu', 'small').norms)).toBeLessThan(1e-4);
    const svg = readFileSync(join(outDir, '09-gradient-norms.svg'), 'utf8');
    for (const name of ['sigmoid, small', 'relu, large']) expect(svg).toContain(name);
  });
});

describe('08: the decision boundary on two features', () => {
  it('a network bends the boundary a line cannot; both models recomputed by hand match predict()', async () => {
    const r = await decisionBoundary({ quick: true, print, out: outDir });
    // x1 x2 > 0.3 splits opposite quadrants: no line does better than the majority answer.
    expect(r.linear).toBeLessThan(r.baseline + 0.03);
    expect(r.network).toBeGreaterThan(0.85);
    expect(r.network).toBeGreaterThan(r.linear + 0.15);
    expect(r.handVsEngine.linear).toBeLessThan(1e-5);
    expect(r.handVsEngine.network).toBeLessThan(1e-5);
    expect(r.activeShare).toHaveLength(16);
    for (const share of r.activeShare) expect(share).toBeLessThanOrEqual(1);
    const boundary = readFileSync(join(outDir, '08-decision-boundary.svg'), 'utf8');
    for (const text of ['logistic regression', 'network 2-16-8-1', 'P(buy)', 'does not buy'])
      expect(boundary).toContain(text);
    const neurons = readFileSync(join(outDir, '08-first-layer-neurons.svg'), 'utf8');
    for (const j of [1, 8, 16]) expect(neurons).toContain(`neuron ${j}<`);
  });
});
