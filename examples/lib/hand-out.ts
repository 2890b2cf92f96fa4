import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/index.js';
import { type LineChartOptions, lineChartSvg } from '../../src/report/chart.js';

/** The directory after `--out` on the command line, or null: pictures are written only when asked. */
export function outArgument(argv: readonly string[] = process.argv): string | null {
  const i = argv.indexOf('--out');
  if (i < 0) return null;
  const dir = argv[i + 1];
  if (!dir || dir.startsWith('--')) throw new Error('--out needs a directory, e.g. --out runs/pictures');
  return dir;
}

/**
 * Draws a line chart into out/file (an SVG), or does nothing when out is null (the test suite's
 * runs). Returns the path written, or null.
 */
export async function writeChart(
  out: string | null | undefined,
  file: string,
  chart: LineChartOptions,
  print: (line: string) => void,
): Promise<string | null> {
  if (!out) return null;
  mkdirSync(out, { recursive: true });
  const path = join(out, file);
  writeFileAtomic(path, await lineChartSvg(chart));
  print(`  drawn: ${path}`);
  return path;
}
