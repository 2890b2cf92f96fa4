import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main as forwardBackward } from '../../examples/02-forward-backward.js';
import { main as section43 } from '../../examples/03-section-4-3.js';
import { main as section5 } from '../../examples/04-section-5.js';
import { maxAbsDiff } from '../../examples/lib/hand-matrix.js';
import { outArgument } from '../../examples/lib/hand-out.js';

// The by-hand math of the teaching scripts (issue 18): each number computed with plain loops must
// equal the engine's, and pictures are written only when --out asks for them.
const lines: string[] = [];
const print = (line: string) => lines.push(line);

describe('by-hand helpers', () => {
  it('maxAbsDiff fails on NaN and on different lengths, so a broken check cannot pass', () => {
    expect(maxAbsDiff([1, 2], [1, 2.5])).toBe(0.5);
    expect(maxAbsDiff([1, Number.NaN], [1, 2])).toBe(Number.POSITIVE_INFINITY);
    expect(maxAbsDiff([1], [1, 2])).toBe(Number.POSITIVE_INFINITY);
  });

  it('--out takes the next argument, and nothing means no pictures', () => {
    expect(outArgument(['node', 'x.ts'])).toBeNull();
    expect(outArgument(['node', 'x.ts', '--out', 'pics'])).toBe('pics');
    expect(() => outArgument(['node', 'x.ts', '--out'])).toThrow(/--out needs a directory/);
  });
});

describe('02: backpropagation by hand', () => {
  it('every layer gradient by hand equals autodiff in float64', async () => {
    const r = await forwardBackward({ print });
    expect(r.layers.map((l) => l.layer)).toEqual([1, 2, 3]);
    for (const l of r.layers) {
      expect(l.dW).toBeLessThan(1e-10);
      expect(l.db).toBeLessThan(1e-10);
    }
    expect(r.forwardDifference).toBeLessThan(1e-10);
    expect(r.charts).toEqual([]);
  });

  it('dJ/dz = (p - y)/m for BCE through a sigmoid; MSE through it vanishes when saturated', async () => {
    const r = await forwardBackward({ print });
    expect(r.bceDifference).toBeLessThan(1e-12);
    expect(r.bceNumericDifference).toBeLessThan(1e-7);
    expect(r.mseDifference).toBeLessThan(1e-12);
    expect(r.atWorst.bce).toBeCloseTo(-0.9975, 4);
    expect(Math.abs(r.atWorst.mse)).toBeLessThan(0.01);
  });

  it('--out draws the gradients as an SVG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-hand-'));
    try {
      const r = await forwardBackward({ print, out: dir });
      expect(r.charts).toEqual([join(dir, '02-sigmoid-gradients.svg')]);
      const svg = readFileSync(r.charts[0], 'utf8');
      expect(svg).toMatch(/^<svg/);
      expect(svg).toContain('BCE: p - y');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('04: Adam, dropout and the loss gap by hand', () => {
  it('three Adam steps by hand equal the optimizer; dropout keeps the mean; val_loss is low because dropout is off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-hand-'));
    try {
      const r = await section5({ quick: true, print, out: dir });
      expect(r.adam.steps.map((s) => s.t)).toEqual([1, 2, 3]);
      expect(r.adam.difference).toBeLessThan(1e-12);
      // Step 1 of Adam is lr * sign(g) up to epsilon.
      expect(Math.abs(r.adam.steps[0].step)).toBeCloseTo(0.001, 6);

      expect(r.dropout.keptScale).toEqual([2]);
      expect(r.dropout.scaledZ).toBeLessThan(4);
      expect(r.dropout.unscaledZ).toBeGreaterThan(10);

      const gap = r.lossGap;
      expect(gap.trainEvalLoss).toBeLessThan(gap.loggedLoss);
      expect(gap.trainEvalLoss).toBeLessThan(gap.trainDropoutLoss);
      expect(Math.abs(gap.trainEvalLoss - gap.valLoss)).toBeLessThan(gap.loggedLoss - gap.trainEvalLoss);
      expect(gap.charts).toEqual([join(dir, '04-loss-history.svg')]);
      expect(readFileSync(gap.charts[0], 'utf8')).toContain('val_loss');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('03: precision, the confusion matrix and the threshold sweep', () => {
  it('counts by hand agree with the metrics module; the sweep trades precision for recall', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-hand-'));
    try {
      const r = await section43({ quick: true, print, out: dir });
      const c = r.confusion;
      expect(c.countsAgree).toBe(true);
      expect(c.tp + c.fp + c.tn + c.fn).toBe(200);
      expect(c.precisionDifference).toBeLessThan(1e-12);
      expect(r.network.precision).toBeCloseTo(c.tp / (c.tp + c.fp), 12);
      expect(r.sweepDifference).toBeLessThan(1e-12);
      expect(r.sweep).toHaveLength(19);
      // Raising the threshold never finds more buyers.
      for (let i = 1; i < r.sweep.length; i++)
        expect(r.sweep[i].recall).toBeLessThanOrEqual(r.sweep[i - 1].recall);
      expect(r.sweep[18].precision).toBeGreaterThan(r.sweep[0].precision);
      // The section 5 model, trained on the same rows, improves with more steps.
      expect(r.section5Longer.f1).toBeGreaterThan(r.section5.f1);
      expect(r.charts).toEqual([join(dir, '03-threshold-sweep.svg')]);
      expect(readFileSync(r.charts[0], 'utf8')).toContain('recall');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
