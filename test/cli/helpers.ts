import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { syntheticUsers, usersToCsv } from '../../src/data/synthetic.js';

/**
 * Runs the `tensorgrad` command line in-process, as a person types it, and returns what it printed
 * with console.log (and commander's own output). Errors reject, as they would exit non-zero.
 */
export async function cli(...args: string[]): Promise<string> {
  const output: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    output.push(parts.join(' '));
  });
  try {
    const program = buildProgram();
    for (const command of [program, ...program.commands]) {
      command
        .exitOverride()
        .configureOutput({ writeErr: (s) => output.push(s), writeOut: (s) => output.push(s) });
    }
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return output.join('\n');
}

/**
 * A small synthetic shop table (800 users) written to `dir`/shop.csv and a model the CLI trained on
 * it into `dir`/model (seed 9, 3 epochs, plus `flags`): what the commands that work on a trained
 * model (prune, quantize) start from. Returns the label column's name.
 */
export async function trainSmallTable(dir: string, ...flags: string[]): Promise<string> {
  const csv = usersToCsv(syntheticUsers(800, { seed: 4 }));
  const data = join(dir, 'shop.csv');
  writeFileSync(data, csv);
  const label = csv.slice(0, csv.indexOf('\n')).split(',').at(-1)!.trim();
  await cli(
    'train',
    ...['--data', data, '--label', label, '--epochs', '3', ...flags],
    ...['--quiet', '--no-baselines', '--seed', '9', '--out', join(dir, 'model')],
  );
  return label;
}
