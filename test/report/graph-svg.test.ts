import { describe, expect, it } from 'vitest';
import type { GraphPicture } from '../../src/graph.js';
import { graphSvg } from '../../src/report/graph-svg.js';

/** Well-formed XML, checked by hand: every tag closed in order, no raw < or stray & in text. */
function checkXml(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const text = svg.slice(at, m.index);
    expect(text).not.toMatch(/[<>]/);
    expect(text.replace(/&(amp|lt|gt|quot|#\d+);/g, '')).not.toContain('&');
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name);
    at = m.index + m[0].length;
  }
  expect(svg.slice(at).trim()).toBe('');
  expect(stack).toEqual([]);
}

const box = (id: string, kind: GraphPicture['nodes'][number]['kind'] = 'tensor', ...lines: string[]) => ({
  id,
  kind,
  lines: [id, ...lines],
});

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
}

/** Each box's rectangle (ellipses as their bounding boxes) with its first text line. */
function boxes(svg: string): Rect[] {
  const groups = svg.match(/<g class="[a-z]+">[\s\S]*?<\/g>/g) ?? [];
  return groups.map((g) => {
    const label = /<text[^>]*>([^<]*)<\/text>/.exec(g)![1];
    const rect = /<rect x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"/.exec(g);
    if (rect) return { x: +rect[1], y: +rect[2], width: +rect[3], height: +rect[4], label };
    const e = /<ellipse cx="([\d.-]+)" cy="([\d.-]+)" rx="([\d.]+)" ry="([\d.]+)"/.exec(g)!;
    return { x: +e[1] - +e[3], y: +e[2] - +e[4], width: 2 * +e[3], height: 2 * +e[4], label };
  });
}

const edgePaths = (svg: string) =>
  [...svg.matchAll(/<path d="(M[^"]+)" fill="none"/g)].map((m) =>
    m[1].split(' ').map((pt) => pt.slice(1).split(',').map(Number)),
  );

describe('graphSvg', () => {
  it('draws every node and edge as well-formed SVG, escaping the labels', () => {
    const picture: GraphPicture = {
      nodes: [
        box('x', 'constant', 'data a<b & "c"'),
        box('w', 'parameter', 'data 1', 'grad 2'),
        { id: 'op', kind: 'op', lines: ['matmul'] },
        box('y', 'tensor', 'data 3', 'grad 1'),
      ],
      edges: [
        { from: 'x', to: 'op' },
        { from: 'w', to: 'op' },
        { from: 'op', to: 'y' },
      ],
    };
    const svg = graphSvg(picture, { title: 'A <tiny> graph' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    checkXml(svg);
    expect(svg).toContain('data a&lt;b &amp; &quot;c&quot;');
    expect(svg).toContain('A &lt;tiny&gt; graph');
    expect(boxes(svg).map((b) => b.label)).toEqual(['x', 'w', 'matmul', 'y']);
    expect(svg.match(/<ellipse/g)).toHaveLength(1);
    expect(svg).toContain('stroke-dasharray'); // the constant
    expect(edgePaths(svg)).toHaveLength(3);
    checkXml(graphSvg({ nodes: [], edges: [] }));
  });

  it('puts each node below its inputs, and a source just above its consumer', () => {
    const chain = ['a', 'b', 'c', 'd', 'e'];
    const svg = graphSvg({
      nodes: [...chain.map((id) => box(id)), box('late', 'parameter')],
      edges: [...chain.slice(1).map((id, i) => ({ from: chain[i], to: id })), { from: 'late', to: 'e' }],
    });
    const byLabel = new Map(boxes(svg).map((b) => [b.label, b]));
    for (let i = 1; i < chain.length; i++)
      expect(byLabel.get(chain[i])!.y).toBeGreaterThan(byLabel.get(chain[i - 1])!.y);
    expect(byLabel.get('late')!.y).toBe(byLabel.get('d')!.y);
    // The source hangs beside the data path; the path itself runs straight down.
    expect(new Set(chain.map((id) => byLabel.get(id)!.x + byLabel.get(id)!.width / 2)).size).toBe(1);
  });

  it('keeps boxes of one layer apart and the inputs of an op in argument order', () => {
    const inputs = ['in0', 'in1', 'in2', 'in3', 'in4'];
    const svg = graphSvg({
      nodes: [...inputs.map((id) => box(id, 'parameter', 'data mean 0.25 min -1 max 1')), box('out')],
      edges: inputs.map((from) => ({ from, to: 'out' })),
    });
    const rects = boxes(svg).filter((b) => b.label.startsWith('in'));
    rects.sort((a, b) => a.x - b.x);
    expect(rects.map((r) => r.label)).toEqual(inputs);
    for (let i = 1; i < rects.length; i++)
      expect(rects[i].x).toBeGreaterThanOrEqual(rects[i - 1].x + rects[i - 1].width);
    // The arrows land side by side, left to right in argument order.
    const ends = edgePaths(svg).map((pts) => pts[pts.length - 1][0]);
    for (let i = 1; i < ends.length; i++) expect(ends[i]).toBeGreaterThan(ends[i - 1]);
  });

  it('bends a long edge through every layer it crosses', () => {
    const svg = graphSvg({
      nodes: ['a', 'b', 'c', 'd'].map((id) => box(id)),
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'd' },
        { from: 'a', to: 'd' },
      ],
    });
    const lengths = edgePaths(svg).map((pts) => pts.length);
    expect(lengths).toEqual([2, 2, 2, 4]);
  });

  it('refuses a cycle, an edge to a missing node, duplicate ids and unknown options', () => {
    expect(() =>
      graphSvg({
        nodes: [box('a'), box('b')],
        edges: [
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
        ],
      }),
    ).toThrow('graphSvg: the graph has a cycle');
    expect(() => graphSvg({ nodes: [box('a')], edges: [{ from: 'a', to: 'z' }] })).toThrow(
      'graphSvg: edge a -> z names a node that is not in the graph',
    );
    expect(() => graphSvg({ nodes: [box('a'), box('a')], edges: [] })).toThrow('node ids must be unique');
    // biome-ignore lint/suspicious/noExplicitAny: the mistake a JavaScript caller can make
    expect(() => graphSvg({ nodes: [], edges: [] }, { colour: 'red' } as any)).toThrow(
      "graphSvg: unknown option 'colour'",
    );
  });
});
