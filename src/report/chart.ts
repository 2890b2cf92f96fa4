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
      color: { field: 'series', type: 'nominal', title: null, scale: { scheme: 'tableau20' } },
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
