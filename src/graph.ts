import { backward, topologicalOrder } from './autograd.js';
import { checkOptions, knownOptions } from './options.js';
import { type FloatArray, formatShape, type GraphNode, type Tensor } from './tensor.js';

export interface MermaidOptions {
  direction?: 'LR' | 'TB';
}

const MERMAID_OPTIONS = knownOptions<MermaidOptions>({ direction: true });

/**
 * The recorded computation graph behind `root` as a Mermaid flowchart: one box per tensor (its
 * name or "leaf", shape, and whether it needs a gradient) and one rounded node per op, with edges
 * in the direction data flows. Paste it into any Mermaid renderer (GitHub renders it in Markdown).
 */
export function toMermaid(root: Tensor, options: MermaidOptions = {}): string {
  checkOptions('toMermaid', options, MERMAID_OPTIONS);
  const order = topologicalOrder(root);
  const ids = new Map<Tensor, string>();
  order.forEach((t, i) => ids.set(t, `t${i}`));
  const lines = [`flowchart ${options.direction ?? 'LR'}`];
  for (const t of order) {
    const id = ids.get(t)!;
    const label = `${t.name ?? (t.node ? t.node.op : 'leaf')} ${formatShape(t.shape)}${t.node === null && t.requiresGrad ? ' ∂' : ''}`;
    lines.push(`  ${id}["${label}"]`);
    if (t.node) {
      const op = `${id}_op`;
      lines.push(`  ${op}(("${t.node.op}"))`);
      for (const input of t.node.inputs) {
        const src = ids.get(input);
        if (src) lines.push(`  ${src} --> ${op}`);
        else {
          // Constants that need no gradient are not on the tape's walk; show them anyway.
          const cid = `${op}_c${t.node.inputs.indexOf(input)}`;
          lines.push(`  ${cid}["${input.name ?? 'const'} ${formatShape(input.shape)}"] --> ${op}`);
        }
      }
      lines.push(`  ${op} --> ${id}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Runs backward from `root` and returns the gradient that reached every tensor of the graph, the
 * intermediate ones too (backward itself keeps only the leaves'): micrograd's data|grad view.
 * Leaves still get their `.grad` accumulated as usual; the map holds this pass's share alone.
 */
export function backwardWithGradients(root: Tensor): Map<Tensor, FloatArray> {
  const grads = new Map<Tensor, FloatArray>();
  const order = topologicalOrder(root);
  const wrapped: Array<{ node: GraphNode; original: GraphNode['backward'] }> = [];
  const savedLeafGrads = new Map<Tensor, Tensor | null>();
  for (const t of order) {
    const node = t.node;
    if (node === null) {
      savedLeafGrads.set(t, t.grad);
      t.grad = null;
      continue;
    }
    const original = node.backward;
    if (original === null) continue; // backward will say the graph was released
    wrapped.push({ node, original });
    node.backward = (g, owned) => {
      grads.set(t, g.slice());
      return original(g, owned);
    };
  }
  try {
    backward(root, undefined, { retainGraph: true });
  } finally {
    for (const { node, original } of wrapped) node.backward = original;
    for (const [t, saved] of savedLeafGrads) {
      const fresh = t.grad;
      if (fresh !== null) grads.set(t, fresh.data.slice());
      if (saved !== null && fresh !== null) {
        for (let i = 0; i < saved.data.length; i++) saved.data[i] += fresh.data[i];
      }
      t.grad = saved ?? fresh;
    }
  }
  return grads;
}

/** One box of a graph picture: a tensor, a parameter (a leaf that needs a gradient), an op or a constant. */
export interface GraphPictureNode {
  id: string;
  kind: 'tensor' | 'parameter' | 'op' | 'constant';
  /** Text lines: the name and shape, then (when known) the value and gradient summaries. */
  lines: string[];
}

/** A recorded graph as plain boxes and edges (data flows from `from` to `to`), for any renderer. */
export interface GraphPicture {
  nodes: GraphPictureNode[];
  edges: Array<{ from: string; to: string }>;
}

export interface DescribeGraphOptions {
  /** Add each tensor's value summary (shape, mean/min/max or the scalar). Default true. */
  values?: boolean;
  /** Gradients per tensor (from backwardWithGradients): adds each tensor's gradient summary. */
  grads?: Map<Tensor, FloatArray>;
}

const DESCRIBE_OPTIONS = knownOptions<DescribeGraphOptions>({ values: true, grads: true });

/** A number in at most 4 significant digits, exponent form when very small or large. */
export function formatValue(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
  return v.toExponential(2).replace('e+', 'e');
}

/** "0.6931" for one value, "mean 0.1 min -2 max 3" for many. */
export function summarizeValues(data: ArrayLike<number>): string {
  if (data.length === 1) return formatValue(data[0]);
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return `mean ${formatValue(sum / data.length)} min ${formatValue(min)} max ${formatValue(max)}`;
}

/**
 * The recorded graph behind `root` as boxes and edges, with the same ids and first lines as
 * toMermaid, plus each tensor's data and grad summaries: what describeGraph's renderers
 * (pictureToMermaid, src/report/graph-svg.ts) draw.
 */
export function describeGraph(root: Tensor, options: DescribeGraphOptions = {}): GraphPicture {
  const { values = true, grads } = checkOptions('describeGraph', options, DESCRIBE_OPTIONS);
  const order = topologicalOrder(root);
  const ids = new Map<Tensor, string>();
  order.forEach((t, i) => ids.set(t, `t${i}`));
  const picture: GraphPicture = { nodes: [], edges: [] };
  const summaries = (t: Tensor): string[] => {
    const lines: string[] = [];
    if (values) lines.push(`data ${summarizeValues(t.data)}`);
    const g = grads?.get(t);
    if (g) lines.push(`grad ${summarizeValues(g)}`);
    return lines;
  };
  for (const t of order) {
    const id = ids.get(t)!;
    const isParameter = t.node === null && t.requiresGrad;
    picture.nodes.push({
      id,
      kind: isParameter ? 'parameter' : 'tensor',
      lines: [
        `${t.name ?? (t.node ? t.node.op : 'leaf')} ${formatShape(t.shape)}${isParameter ? ' ∂' : ''}`,
        ...summaries(t),
      ],
    });
    if (!t.node) continue;
    const op = `${id}_op`;
    picture.nodes.push({ id: op, kind: 'op', lines: [t.node.op] });
    t.node.inputs.forEach((input, i) => {
      const src = ids.get(input);
      if (src) {
        picture.edges.push({ from: src, to: op });
        return;
      }
      const cid = `${op}_c${i}`;
      picture.nodes.push({
        id: cid,
        kind: 'constant',
        lines: [`${input.name ?? 'const'} ${formatShape(input.shape)}`, ...summaries(input)],
      });
      picture.edges.push({ from: cid, to: op });
    });
    picture.edges.push({ from: op, to: id });
  }
  return picture;
}

/** A graph picture as a Mermaid flowchart: ops as circles, tensors as boxes, lines split by <br/>. */
export function pictureToMermaid(picture: GraphPicture, options: MermaidOptions = {}): string {
  checkOptions('pictureToMermaid', options, MERMAID_OPTIONS);
  const lines = [`flowchart ${options.direction ?? 'LR'}`];
  const text = (n: GraphPictureNode) => n.lines.map((l) => l.replace(/"/g, '#quot;')).join('<br/>');
  for (const n of picture.nodes) {
    lines.push(n.kind === 'op' ? `  ${n.id}(("${text(n)}"))` : `  ${n.id}["${text(n)}"]`);
  }
  for (const e of picture.edges) lines.push(`  ${e.from} --> ${e.to}`);
  return `${lines.join('\n')}\n`;
}
