import { describe, expect, it } from 'vitest';
import * as tg from '../../src/index.js';

describe('toMermaid', () => {
  it('draws tensors, ops and constants of a recorded graph', () => {
    const x = tg.tensor([[1, 2]]);
    x.name = 'x';
    const w = tg.tensor([[1], [2]], { requiresGrad: true });
    w.name = 'W';
    const loss = tg.mse(x.matmul(w).sigmoid(), tg.tensor([[1]]));
    const text = tg.toMermaid(loss);
    expect(text.startsWith('flowchart LR\n')).toBe(true);
    expect(text).toContain('["W [2,1] ∂"]');
    expect(text).toContain('(("matmul"))');
    expect(text).toContain('(("sigmoid"))');
    expect(text).toMatch(/\["x \[1,2\]"\] --> t\d+_op/);
    expect(text).toContain('["mse []"]');
  });

  it('draws a lone leaf', () => {
    expect(tg.toMermaid(tg.tensor([1])).trim()).toBe('flowchart LR\n  t0["leaf [1]"]');
  });
});
