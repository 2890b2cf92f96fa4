import { vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

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
