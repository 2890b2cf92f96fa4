import { describe, expect, it } from 'vitest';
import { main as gradientDescent } from '../../examples/01-gradient-descent.js';
import { main as forwardBackward } from '../../examples/02-forward-backward.js';
import { main as section43 } from '../../examples/03-section-4-3.js';
import { main as section5 } from '../../examples/04-section-5.js';
import { main as providers } from '../../examples/05-kernel-providers.js';
import { main as graph } from '../../examples/06-graph-mermaid.js';
import { main as sequences } from '../../examples/07-sequences.js';

// Every teaching script runs here on short settings, so none can rot.
const lines: string[] = [];
const print = (line: string) => lines.push(line);

describe('teaching scripts', () => {
  it('01: the formula gradient equals autodiff, and (S)GD recover the linear model', async () => {
    const r = await gradientDescent({ quick: true, print });
    expect(r.gradientDifference).toBeLessThan(1e-12);
    expect(r.gradcheckOk).toBe(true);
    expect(r.gdLoss).toBeLessThan(0.02); // noise variance is 0.01
    expect(r.sgdLoss).toBeLessThan(0.03);
  });

  it('02: one forward/backward pass with a gradient for every parameter', async () => {
    const r = await forwardBackward({ print });
    expect(r.outputShape).toEqual([4, 1]);
    expect(r.gradShapes).toEqual([
      [10, 64],
      [64, 32],
      [32, 1],
    ]);
    expect(r.loss).toBeGreaterThan(0);
  });

  it('06: exports the graph as Mermaid', async () => {
    const { mermaid: text } = await graph({ print, out: null });
    expect(text).toContain('(("dense"))');
    expect(text).toContain('(("dropout"))');
    expect(text).toContain('(("bce"))');
  });
});

describe('teaching scripts that train', () => {
  it('03: the network beats logistic regression on the section 4.3 rule', async () => {
    const r = await section43({ quick: true, print });
    // Section 4.1's z-scores by hand (two passes) equal the CSV pipeline's one-pass statistics.
    expect(r.normalizationDifference).toBeLessThan(1e-12);
    expect(r.network.accuracy).toBeGreaterThan(r.linear.accuracy);
    expect(r.network.f1).toBeGreaterThan(0.6);
  });

  it('04: the section 5 program trains and evaluates', async () => {
    const r = await section5({ quick: true, print });
    expect(r.epochs).toBe(2);
    expect(r.accuracy).toBeGreaterThan(0.75);
  });

  it('07: BPTT fades step by step; a GRU cell passes gradcheck; order beats totals on session logs', async () => {
    const r = await sequences({ quick: true, print });
    for (const run of r.bptt) {
      expect(run.handVsAutodiff).toBeLessThan(1e-6);
      // The gradient reaching the first step is far smaller than the last step's.
      expect(run.norms[0]).toBeLessThan(0.1 * run.norms[run.norms.length - 1]);
    }
    expect(r.cell.ok).toBe(true);
    expect(r.sessions.gruEvents).toBeGreaterThan(r.sessions.aggregates);
    expect(r.sessions.gruEventsAndTimes).toBeGreaterThan(r.sessions.aggregates + 0.03);
  });

  it('05: every available provider trains the same model to the same loss', async () => {
    const r = await providers({ quick: true, print });
    expect(r.map((p) => p.provider)).toContain('js');
    for (const p of r) expect(p.loss).toBeCloseTo(r[0].loss, 3);
  });
});
