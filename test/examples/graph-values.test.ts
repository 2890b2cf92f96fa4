import { describe, expect, it } from 'vitest';
import {
  batch,
  compareGraphs,
  fusedGraph,
  main as graph,
  readSplitGraph,
  SPLIT_OPS,
  sectionFiveModel,
  splitGraph,
} from '../../examples/06-graph-mermaid.js';
import {
  backwardWithGradients,
  describeGraph,
  formatValue,
  pictureToMermaid,
  summarizeValues,
} from '../../src/graph.js';
import * as tg from '../../src/index.js';

const print = () => {};

describe('backwardWithGradients', () => {
  it('returns the gradient of every tensor, intermediate ones too, and still accumulates leaf .grad', () => {
    const w = tg.tensor([1, -2], { requiresGrad: true, dtype: 'float64' });
    w.grad = tg.tensor([10, 10], { dtype: 'float64' });
    const u = tg.mul(w, 3);
    const loss = tg.sum(tg.mul(u, u));
    const grads = backwardWithGradients(loss);
    expect([...grads.get(loss)!]).toEqual([1]);
    expect([...grads.get(u)!]).toEqual([6, -12]); // dL/du = 2u
    expect([...grads.get(w)!]).toEqual([18, -36]); // dL/dw = 18w: this pass alone
    expect([...w.grad.data]).toEqual([28, -26]); // added to what .grad held
    // The graph is left as it was: backward can still run through it.
    tg.backward(loss);
    expect([...w.grad!.data]).toEqual([46, -62]);
  });
});

describe('describeGraph', () => {
  it('labels tensors with their data and grad summaries, and renders them as Mermaid', () => {
    const w = tg.tensor([[1], [2]], { requiresGrad: true });
    w.name = 'W "kernel"';
    const x = tg.tensor([[1, 2]]);
    const loss = tg.mse(tg.matmul(x, w), tg.tensor([[4]]));
    const picture = describeGraph(loss, { grads: backwardWithGradients(loss) });
    const kernel = picture.nodes.find((n) => n.lines[0].startsWith('W'))!;
    expect(kernel.kind).toBe('parameter');
    expect(kernel.lines).toEqual([
      'W "kernel" [2,1] ∂',
      'data mean 1.5 min 1 max 2',
      'grad mean 3 min 2 max 4',
    ]);
    const lossNode = picture.nodes.find((n) => n.lines[0] === 'mse []')!;
    expect(lossNode.lines).toEqual(['mse []', 'data 1', 'grad 1']);
    expect(picture.nodes.filter((n) => n.kind === 'constant')).toHaveLength(2);
    const text = pictureToMermaid(picture);
    expect(text).toContain(
      '["W #quot;kernel#quot; [2,1] ∂<br/>data mean 1.5 min 1 max 2<br/>grad mean 3 min 2 max 4"]',
    );
    expect(text).toContain('(("matmul"))');
    // Without values the first lines are toMermaid's labels.
    const plain = describeGraph(loss, { values: false });
    const old = tg.toMermaid(loss);
    for (const n of plain.nodes) expect(old).toContain(`"${n.lines.join('')}"`);
  });

  it('formats numbers short', () => {
    expect(summarizeValues([1, 2, 3])).toBe('mean 2 min 1 max 3');
    expect(summarizeValues([Math.LN2])).toBe('0.6931');
    expect(formatValue(1.234e-9)).toBe('1.23e-9');
    expect(formatValue(-123456)).toBe('-1.23e5');
    expect(formatValue(0)).toBe('0');
  });
});

describe('example 6: the fused graph explained op by op', () => {
  it('the split graph has the same loss and gradients as the fused one, in float32 and float64', async () => {
    const r = await graph({ print, out: null });
    expect(r.files).toEqual([]);
    for (const diff of Object.values(r.read)) expect(diff).toBeLessThan(1e-12);
    expect(r.float32.ok).toBe(true);
    expect(r.float64.ok).toBe(true);
    expect(r.float64.worst).toBeLessThan(1e-12);
    const names = r.float32.differences.map((d) => d.name);
    for (const n of ['W1', 'b1', 'W2', 'b2', 'W3', 'b3', 'h1', 'h2 dropped', 'p', 'loss'])
      expect(names).toContain(n);
    for (const op of ['dense', 'dropout', 'bce']) expect(r.mermaid).toContain(`(("${op}"))`);
    for (const op of ['matmul', 'add', 'relu', 'sigmoid', 'log', 'mul', 'mean', 'dropout'])
      expect(r.splitMermaid).toContain(`(("${op}"))`);
    for (const op of ['dense', 'bce']) expect(r.splitMermaid).not.toContain(`(("${op}"))`);
    // micrograd's data|grad: the loss box carries its value and d loss / d loss = 1.
    expect(r.splitMermaid).toMatch(/\["loss \[\]<br\/>data \d+\.\d+<br\/>grad 1"\]/);
    expect(r.splitMermaid).toMatch(/\["z1 \[32,64\]<br\/>data mean [^<]+<br\/>grad mean [^"]+"\]/);
    expect(r.splitSvg).toContain('>grad 1</text>');
    expect(r.fusedSvg).toContain('>dense</text>');
  });

  const setup = (dtype: tg.Dtype = 'float64') => {
    const { x, y } = batch(dtype);
    const model = sectionFiveModel(10, dtype);
    return { x, y, model, fused: fusedGraph(model, x, y) };
  };

  it('the check fails when an op of the split graph is wrong', () => {
    const { x, y, model, fused } = setup();
    const identity = (t: tg.Tensor) => tg.mul(t, 1);
    const noRelu = compareGraphs(fused, splitGraph(model, x, y, 7, { ...SPLIT_OPS, relu: identity }), 1e-12);
    expect(noRelu.ok).toBe(false);
    expect(noRelu.differences.find((d) => d.name === 'h1')!.value).toBeGreaterThan(0.1);
    const identitySplit = splitGraph(model, x, y, 7, { ...SPLIT_OPS, relu: identity });
    expect(readSplitGraph(identitySplit).relu).toBeGreaterThan(1e-4);
    // A log off by one part in 10^9, far below float32's resolution: the float64 check still sees it.
    const sloppyLog = (t: tg.Tensor) => tg.mul(tg.log(t), 1 + 1e-9);
    expect(compareGraphs(fused, splitGraph(model, x, y, 7, { ...SPLIT_OPS, log: sloppyLog }), 1e-12).ok).toBe(
      false,
    );
  });

  it('the check fails for other dropout masks, other weights or a weight left out', () => {
    const { x, y, model, fused } = setup();
    expect(compareGraphs(fused, splitGraph(model, x, y, 8), 1e-12).ok).toBe(false);
    const other = sectionFiveModel(10, 'float64');
    (other.layers[4] as tg.Dense).kernel!.data[0] += 1e-6;
    const moved = compareGraphs(fused, splitGraph(other, x, y), 1e-12);
    expect(moved.ok).toBe(false);
    expect(moved.differences.find((d) => d.name === 'W1')!.grad).toBeGreaterThan(0);
    const same = splitGraph(model, x, y);
    expect(compareGraphs(fused, same, 1e-12).ok).toBe(true);
    same.named.delete('b3');
    expect(compareGraphs(fused, same, 1e-12).ok).toBe(false);
  });
});
