import { describe, expect, it } from 'vitest';
import { lineChartSvg } from '../../src/report/chart.js';

describe('lineChartSvg', () => {
  it('draws one line per series with the axis titles', async () => {
    const svg = await lineChartSvg({
      title: 'Loss per epoch',
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [
        { name: 'train', points: [1, 2, 3].map((x) => ({ x, y: 1 / x })) },
        { name: 'validation', points: [1, 2, 3].map((x) => ({ x, y: 1.2 / x })) },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['Loss per epoch', 'epoch', 'loss', 'train', 'validation'])
      expect(svg).toContain(text);
    expect(svg.match(/<path[^>]*d="M/g)?.length).toBeGreaterThanOrEqual(2);
  });
});
