import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Series {
  name: string;
  points: Array<{ x: number; y: number }>;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Logarithmic axes (GFLOPS against matrix size spans decades). */
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
}

/** A line chart as a standalone SVG document, drawn by Vega-Lite without a browser or canvas. */
export async function lineChartSvg(options: LineChartOptions): Promise<string> {
  const values = options.series.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, y: p.y })));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: options.width ?? 560,
    height: options.height ?? 320,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: options.xLabel,
        scale: { type: options.logX ? 'log' : 'linear' },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: options.yLabel,
        scale: options.logY ? { type: 'log' } : { zero: false },
      },
      // 20 distinct colours: the bench draws 11 kernels, past the default scheme's 10.
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { scheme: 'tableau20' },
        legend: { labelLimit: 320 },
      },
    },
    config: { background: 'white' },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One cell of a heatmap: the square [x0, x1] x [y0, y1] coloured by value. */
export interface HeatmapCell {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  value: number;
}

/** A data point drawn on top of a heatmap, coloured by its class label. */
export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
}

export interface HeatmapPanel {
  /** The panel's title (a model's name, a neuron's name). */
  name: string;
  cells: HeatmapCell[];
  points?: ScatterPoint[];
}

export interface HeatmapOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** The legend title of the colour scale. */
  valueLabel: string;
  /** One panel, or several side by side (small multiples sharing one colour scale). */
  panels: HeatmapPanel[];
  /** Panels per row; default all in one row. */
  columns?: number;
  /** The colour scale's [min, max]; default the range of the values (e.g. [0, 1] for probabilities). */
  domain?: [number, number];
  /** A Vega colour scheme; default 'blueorange' (diverging, readable with the points on top). */
  scheme?: string;
  /**
   * A colour per point label, e.g. the colours of the two ends of the scheme for the two classes
   * ({ 'does not buy': '#08306b', buys: '#7f2704' }); by default dark blue, dark orange, ... in order
   * of first appearance.
   */
  pointColors?: Record<string, string>;
  /** Each panel's size in pixels; default 320 x 320. */
  width?: number;
  height?: number;
}

/**
 * Heatmaps of a function over the plane (a model's P(buy), a neuron's output), optionally with
 * scatter points on top, as a standalone SVG document drawn by Vega-Lite. Several panels become
 * small multiples with one shared colour scale, so their colours compare.
 */
export async function heatmapSvg(options: HeatmapOptions): Promise<string> {
  if (options.panels.length === 0) throw new Error('heatmapSvg: no panels to draw');
  const names = options.panels.map((p) => p.name);
  if (new Set(names).size !== names.length) {
    throw new Error(`heatmapSvg: panel names must differ: ${names.join(', ')}`);
  }
  const values = options.panels.flatMap((p) => [
    ...p.cells.map((c) => ({ panel: p.name, kind: 'cell', ...c })),
    ...(p.points ?? []).map((q) => ({ panel: p.name, kind: 'point', px: q.x, py: q.y, label: q.label })),
  ]);
  const cellLayer = {
    transform: [{ filter: "datum.kind === 'cell'" }],
    mark: { type: 'rect' as const, strokeWidth: 0 },
    encoding: {
      x: {
        field: 'x0',
        type: 'quantitative' as const,
        title: options.xLabel,
        scale: { nice: false },
        axis: { grid: false },
      },
      x2: { field: 'x1' },
      y: {
        field: 'y0',
        type: 'quantitative' as const,
        title: options.yLabel,
        scale: { nice: false },
        axis: { grid: false },
      },
      y2: { field: 'y1' },
      color: {
        field: 'value',
        type: 'quantitative' as const,
        title: options.valueLabel,
        scale: {
          scheme: options.scheme ?? 'blueorange',
          ...(options.domain ? { domain: options.domain } : {}),
        },
      },
    },
  };
  // Points use the fill channel, not colour, so the heatmap's colour scale stays the only one and
  // every panel shares it; the labels' domain is fixed so a label keeps its colour in every panel.
  const seen = [...new Set(options.panels.flatMap((p) => (p.points ?? []).map((q) => q.label)))];
  const colors = options.pointColors ?? {};
  const missing = seen.filter((l) => options.pointColors && !(l in colors));
  if (missing.length > 0) throw new Error(`heatmapSvg: pointColors has no colour for ${missing.join(', ')}`);
  const labels = options.pointColors ? Object.keys(colors).filter((l) => seen.includes(l)) : seen;
  const range = options.pointColors
    ? labels.map((l) => colors[l])
    : ['#08306b', '#7f2704', '#1b7837', '#762a83'];
  const pointLayer = {
    transform: [{ filter: "datum.kind === 'point'" }],
    mark: { type: 'point' as const, filled: true, size: 28, stroke: 'white', strokeWidth: 0.6 },
    encoding: {
      x: { field: 'px', type: 'quantitative' as const },
      y: { field: 'py', type: 'quantitative' as const },
      fill: {
        field: 'label',
        type: 'nominal' as const,
        title: null,
        scale: { domain: labels, range },
      },
      shape: { field: 'label', type: 'nominal' as const, title: null, scale: { domain: labels } },
    },
  };
  const layered = {
    width: options.width ?? 320,
    height: options.height ?? 320,
    layer: labels.length > 0 ? [cellLayer, pointLayer] : [cellLayer],
  };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: names },
    columns: options.columns ?? options.panels.length,
    spec: layered,
    config: { background: 'white' },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    // Crisp edges on the cells only: anti-aliased neighbours leave hairline seams between them.
    const svg = await view.toSVG();
    return svg.replaceAll(
      '<g class="mark-rect role-mark',
      '<g shape-rendering="crispEdges" class="mark-rect role-mark',
    );
  } finally {
    view.finalize();
  }
}
