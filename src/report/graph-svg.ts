import type { GraphPicture, GraphPictureNode } from '../graph.js';
import { checkOptions, knownOptions } from '../options.js';

/**
 * A graph picture (describeGraph) drawn as a standalone SVG with a small layered layout of our
 * own, top to bottom in the direction data flows:
 *   1. layers: each node one below its lowest input; a source (parameter, constant) sits right
 *      above its first consumer instead of at the top, so W3 appears beside the last matmul;
 *   2. an edge that spans several layers gets a point per layer crossed, so it bends around boxes;
 *   3. order in a layer: a few sweeps down and up sorting by the mean position of the neighbours
 *      (the barycentre heuristic), which removes most crossings on graphs this size;
 *   4. x positions: each node pulled towards its neighbours, then pushed apart to stop overlaps.
 */

export interface GraphSvgOptions {
  title?: string;
  /** Font size in pixels; boxes are sized from it (monospace, so text width is known). Default 12. */
  fontSize?: number;
}

const SVG_OPTIONS = knownOptions<GraphSvgOptions>({ title: true, fontSize: true });

interface Placed {
  id: string;
  node: GraphPictureNode | null; // null: a bend point of a long edge
  layer: number;
  width: number;
  height: number;
  x: number; // centre
  y: number; // top
  order: number;
}

const FILL: Record<GraphPictureNode['kind'], string> = {
  tensor: '#e8f1fb',
  parameter: '#fff4d6',
  op: '#eeeeee',
  constant: '#ffffff',
};

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Layer per node: below all inputs; sources pulled down to just above their nearest consumer. */
function assignLayers(ids: string[], inputs: Map<string, string[]>, outputs: Map<string, string[]>) {
  const layer = new Map<string, number>();
  const pending = new Map(ids.map((id) => [id, inputs.get(id)!.length]));
  const queue = ids.filter((id) => pending.get(id) === 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    layer.set(id, Math.max(-1, ...inputs.get(id)!.map((s) => layer.get(s)!)) + 1);
    for (const t of outputs.get(id)!) {
      pending.set(t, pending.get(t)! - 1);
      if (pending.get(t) === 0) queue.push(t);
    }
  }
  if (queue.length !== ids.length) throw new Error('graphSvg: the graph has a cycle');
  for (const id of ids) {
    const outs = outputs.get(id)!;
    if (inputs.get(id)!.length === 0 && outs.length > 0)
      layer.set(id, Math.min(...outs.map((t) => layer.get(t)!)) - 1);
  }
  return layer;
}

export function graphSvg(picture: GraphPicture, options: GraphSvgOptions = {}): string {
  checkOptions('graphSvg', options, SVG_OPTIONS);
  const fontSize = options.fontSize ?? 12;
  if (!(fontSize > 0) || !Number.isFinite(fontSize))
    throw new Error(`graphSvg: fontSize must be a finite number > 0, got ${fontSize}`);
  const charWidth = fontSize * 0.6; // monospace advance
  const lineHeight = Math.round(fontSize * 1.35);
  const padX = 8;
  const padY = 6;
  const gapX = 24;
  const gapY = 34;

  const ids = picture.nodes.map((n) => n.id);
  const byId = new Map(picture.nodes.map((n) => [n.id, n]));
  if (byId.size !== ids.length) throw new Error('graphSvg: node ids must be unique');
  const inputs = new Map(ids.map((id) => [id, [] as string[]]));
  const outputs = new Map(ids.map((id) => [id, [] as string[]]));
  for (const e of picture.edges) {
    if (!byId.has(e.from) || !byId.has(e.to))
      throw new Error(`graphSvg: edge ${e.from} -> ${e.to} names a node that is not in the graph`);
    inputs.get(e.to)!.push(e.from);
    outputs.get(e.from)!.push(e.to);
  }
  const layerOf = assignLayers(ids, inputs, outputs);

  // Boxes, plus a bend point on every layer a long edge crosses.
  const placed = new Map<string, Placed>();
  for (const n of picture.nodes) {
    const longest = Math.max(...n.lines.map((l) => [...l].length));
    const circle = n.kind === 'op';
    const width = Math.ceil(longest * charWidth + 2 * padX + (circle ? 16 : 0));
    const height = n.lines.length * lineHeight + 2 * padY;
    placed.set(n.id, { id: n.id, node: n, layer: layerOf.get(n.id)!, width, height, x: 0, y: 0, order: 0 });
  }
  const routes = picture.edges.map((e) => {
    const path = [e.from];
    for (let l = layerOf.get(e.from)! + 1; l < layerOf.get(e.to)!; l++) {
      const id = `${e.from}->${e.to}@${l}`;
      placed.set(id, { id, node: null, layer: l, width: 0, height: 0, x: 0, y: 0, order: 0 });
      path.push(id);
    }
    path.push(e.to);
    return path;
  });
  const up = new Map<string, string[]>([...placed.keys()].map((id) => [id, []]));
  const down = new Map<string, string[]>([...placed.keys()].map((id) => [id, []]));
  for (const path of routes) {
    for (let i = 1; i < path.length; i++) {
      up.get(path[i])!.push(path[i - 1]);
      down.get(path[i - 1])!.push(path[i]);
    }
  }

  const layerCount = Math.max(0, ...[...placed.values()].map((p) => p.layer + 1));
  const layers: Placed[][] = Array.from({ length: layerCount }, () => []);
  for (const p of placed.values()) layers[p.layer].push(p);
  layers.forEach((row) => {
    row.forEach((p, i) => {
      p.order = i;
    });
  });

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // A neighbour's position, plus a fraction for which of its inputs (or outputs) this node is, so
  // ties keep an op's inputs in argument order: X to the left of W, W left of b.
  const slot = (p: Placed, n: string, ofNeighbour: Map<string, string[]>) => {
    const list = ofNeighbour.get(n)!;
    return placed.get(n)!.order + (0.9 * list.indexOf(p.id)) / list.length;
  };
  const reorder = (row: Placed[], neighbours: Map<string, string[]>, back: Map<string, string[]>) => {
    const key = new Map(
      row.map((p) => {
        const ns = neighbours.get(p.id)!;
        return [p, ns.length > 0 ? mean(ns.map((n) => slot(p, n, back))) : p.order];
      }),
    );
    row.sort((a, b) => key.get(a)! - key.get(b)! || a.order - b.order);
    row.forEach((p, i) => {
      p.order = i;
    });
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let l = 1; l < layerCount; l++) reorder(layers[l], up, down);
    for (let l = layerCount - 2; l >= 0; l--) reorder(layers[l], down, up);
  }

  // x: start packed left to right, then alternately pull each node towards its neighbours above
  // and below. Overlaps are settled by priority (Sugiyama's priority method): bend points first,
  // so long edges run straight, then the data path, then sources (weights, constants), which give
  // way and hang beside the op they feed instead of dragging the whole column sideways.
  const isSource = (p: Placed) => p.node !== null && up.get(p.id)!.length === 0;
  const priority = (p: Placed, neighbours: Map<string, string[]>) =>
    p.node === null ? Number.POSITIVE_INFINITY : isSource(p) ? 0 : 1 + neighbours.get(p.id)!.length;
  const settle = (row: Placed[], neighbours: Map<string, string[]>) => {
    const want = row.map((p) => p.x);
    const done: boolean[] = row.map(() => false);
    const byPriority = row.map((_, i) => i);
    byPriority.sort((i, j) => priority(row[j], neighbours) - priority(row[i], neighbours) || i - j);
    const span = (i: number, j: number) => (row[i].width + row[j].width) / 2 + gapX;
    for (const i of byPriority) {
      let low = Number.NEGATIVE_INFINITY;
      for (let k = i - 1, need = 0; k >= 0; k--) {
        need += span(k, k + 1);
        if (done[k]) {
          low = row[k].x + need;
          break;
        }
      }
      let high = Number.POSITIVE_INFINITY;
      for (let k = i + 1, need = 0; k < row.length; k++) {
        need += span(k - 1, k);
        if (done[k]) {
          high = row[k].x - need;
          break;
        }
      }
      row[i].x = Math.min(Math.max(want[i], low), high);
      done[i] = true;
    }
  };
  const pullFrom = (p: Placed, neighbours: Map<string, string[]>) => {
    const ns = neighbours.get(p.id)!.map((n) => placed.get(n)!);
    // A data-path node follows the data path, not the weights that join it.
    const main = ns.filter((n) => !isSource(n));
    return mean((main.length > 0 ? main : ns).map((n) => n.x));
  };
  for (const row of layers) {
    let x = 0;
    for (const p of row) {
      p.x = x + p.width / 2;
      x += p.width + gapX;
    }
  }
  for (let pass = 0; pass < 8; pass++) {
    const neighbours = pass % 2 === 0 ? up : down;
    const rows = pass % 2 === 0 ? layers : [...layers].reverse();
    for (const row of rows) {
      for (const p of row) if (neighbours.get(p.id)!.length > 0) p.x = pullFrom(p, neighbours);
      settle(row, neighbours);
    }
  }

  // y: each layer as tall as its tallest box.
  const margin = 16;
  const titleHeight = options.title ? lineHeight * 2 : 0;
  let y = margin + titleHeight;
  const layerHeight: number[] = [];
  for (const row of layers) {
    const h = Math.max(0, ...row.map((p) => p.height));
    for (const p of row) p.y = y + (h - p.height) / 2;
    layerHeight.push(h);
    y += h + gapY;
  }
  const all = [...placed.values()];
  const minX = Math.min(...all.map((p) => p.x - p.width / 2));
  for (const p of all) p.x += margin - minX;
  const width = Math.ceil(Math.max(200, ...all.map((p) => p.x + p.width / 2)) + margin);
  const height = Math.ceil(y - gapY + margin);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="${fontSize}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title) {
    out.push(
      `<text x="${margin}" y="${margin + lineHeight}" font-size="${fontSize + 2}" font-weight="bold">${escapeXml(options.title)}</text>`,
    );
  }
  const r = (v: number) => Math.round(v * 10) / 10;
  for (const path of routes) {
    const points = path.map((id, i) => {
      const p = placed.get(id)!;
      if (i === 0) return [p.x, p.y + p.height];
      if (i === path.length - 1) {
        // Arrows into one box land side by side, in argument order, not on one point.
        const ins = up.get(id)!;
        const step = Math.min(14, p.width / (ins.length + 1));
        return [p.x + (ins.indexOf(path[i - 1]) - (ins.length - 1) / 2) * step, p.y];
      }
      const mid = p.y + layerHeight[p.layer] / 2;
      return [p.x, mid];
    });
    const d = points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${r(px)},${r(py)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>`);
  }
  for (const p of all) {
    const n = p.node;
    if (n === null) continue;
    const left = r(p.x - p.width / 2);
    const top = r(p.y);
    const style = `fill="${FILL[n.kind]}" stroke="#333"${n.kind === 'constant' ? ' stroke-dasharray="4 3"' : ''}`;
    out.push(`<g class="${n.kind}">`);
    if (n.kind === 'op') {
      out.push(
        `<ellipse cx="${r(p.x)}" cy="${r(p.y + p.height / 2)}" rx="${r(p.width / 2)}" ry="${r(p.height / 2)}" ${style}/>`,
      );
    } else {
      out.push(`<rect x="${left}" y="${top}" width="${p.width}" height="${p.height}" rx="4" ${style}/>`);
      if (n.lines.length > 1) {
        // micrograd's record box: the name on top, data and grad below a rule.
        const ruleY = r(p.y + padY + lineHeight + 1);
        out.push(
          `<line x1="${left}" y1="${ruleY}" x2="${r(left + p.width)}" y2="${ruleY}" stroke="#999" stroke-width="0.8"/>`,
        );
      }
    }
    n.lines.forEach((line, i) => {
      const ty = r(p.y + padY + i * lineHeight + fontSize);
      const weight = i === 0 && n.kind !== 'op' ? ' font-weight="bold"' : '';
      out.push(`<text x="${r(p.x)}" y="${ty}" text-anchor="middle"${weight}>${escapeXml(line)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
