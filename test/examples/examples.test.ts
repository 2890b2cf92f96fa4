import { describe, expect, it } from 'vitest';
import { main as gradientDescent } from '../../examples/01-gradient-descent.js';
import { main as forwardBackward } from '../../examples/02-forward-backward.js';
import { main as graph } from '../../examples/06-graph-mermaid.js';

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
    const text = await graph({ print, out: null });
    expect(text).toContain('(("dense"))');
    expect(text).toContain('(("dropout"))');
    expect(text).toContain('(("bce"))');
  });
});
