import { describe, expect, it } from 'vitest';
import { type HeatmapCell, heatmapSvg } from '../../src/report/chart.js';

// A 4 x 3 grid over [0, 4] x [0, 3] with value = x0 / 4.
function grid(): HeatmapCell[] {
  const cells: HeatmapCell[] = [];
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 3; j++) cells.push({ x0: i, x1: i + 1, y0: j, y1: j + 1, value: i / 4 });
  return cells;
}

/** How many items each mark group of the given type draws, panel by panel. */
function itemsPerGroup(svg: string, mark: 'rect' | 'symbol'): number[] {
  const groups = svg.matchAll(new RegExp(`<g [^>]*class="mark-${mark} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs'));
  return [...groups].map((g) => (g[1].match(/<path/g) ?? []).length);
}

describe('heatmapSvg', () => {
  it('draws every cell of every panel, the points on top and one colour legend', async () => {
    const svg = await heatmapSvg({
      title: 'P(buy) over the plane',
      xLabel: 'x1',
      yLabel: 'x2',
      valueLabel: 'P(buy)',
      domain: [0, 1],
      panels: [
        {
          name: 'logistic regression',
          cells: grid(),
          points: [
            { x: 0.5, y: 0.5, label: 'buys' },
            { x: 3.5, y: 2.5, label: 'does not buy' },
            { x: 2.5, y: 1.5, label: 'buys' },
          ],
        },
        { name: 'network', cells: grid(), points: [{ x: 1, y: 1, label: 'buys' }] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of [
      'P(buy) over the plane',
      'logistic regression',
      'network',
      'x1',
      'x2',
      'does not buy',
    ])
      expect(svg).toContain(text);
    expect(itemsPerGroup(svg, 'rect')).toEqual([12, 12]);
    // Cells drawn with crisp edges (no seams), points left anti-aliased.
    expect(svg.match(/<g shape-rendering="crispEdges" class="mark-rect/g)).toHaveLength(2);
    expect(svg).not.toMatch(/crispEdges" class="mark-symbol/);
    expect(itemsPerGroup(svg, 'symbol')).toEqual([3, 1]);
    // One shared colour scale: the legend title appears once, not once per panel.
    expect(svg.split('>P(buy)<').length - 1).toBe(1);
  });

  it('colours cells by value: the lowest and highest cells get different fills', async () => {
    const svg = await heatmapSvg({
      title: 'neuron',
      xLabel: 'x1',
      yLabel: 'x2',
      valueLabel: 'h',
      panels: [{ name: 'h1', cells: grid() }],
    });
    const fills = [...svg.matchAll(/<path[^>]*fill="(#[0-9a-f]{6}|rgb\([^)]*\))"/g)].map((m) => m[1]);
    expect(new Set(fills).size).toBeGreaterThanOrEqual(4); // one per column of values
    expect(itemsPerGroup(svg, 'symbol')).toEqual([]);
  });

  it('gives each label the colour asked for, whatever order the points come in', async () => {
    const base = { title: 't', xLabel: 'x', yLabel: 'y', valueLabel: 'v' };
    const points = [
      { x: 1, y: 1, label: 'buys' },
      { x: 2, y: 2, label: 'does not buy' },
    ];
    const svg = await heatmapSvg({
      ...base,
      pointColors: { 'does not buy': '#08306b', buys: '#7f2704' },
      panels: [{ name: 'p', cells: grid(), points }],
    });
    const symbols = svg.match(/<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/s)![1];
    const fills = [...symbols.matchAll(/fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(fills).toEqual(['#7f2704', '#08306b']);
    await expect(
      heatmapSvg({
        ...base,
        pointColors: { buys: '#7f2704' },
        panels: [{ name: 'p', cells: grid(), points }],
      }),
    ).rejects.toThrow(/no colour for does not buy/);
  });

  it('refuses an empty chart and duplicated panel names', async () => {
    const base = { title: 't', xLabel: 'x', yLabel: 'y', valueLabel: 'v' };
    await expect(heatmapSvg({ ...base, panels: [] })).rejects.toThrow(/no panels/);
    await expect(
      heatmapSvg({
        ...base,
        panels: [
          { name: 'a', cells: grid() },
          { name: 'a', cells: grid() },
        ],
      }),
    ).rejects.toThrow(/names must differ: a, a/);
  });
});
