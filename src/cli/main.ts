import { Command } from 'commander';
// Registers the lazy providers (native, gpu) so --backend and info can reach them.
import '../kernels/index.js';
import '../training/terminal-bar.js';
import { addEvaluateCommand } from './evaluate.js';
import { infoLines, packageVersion } from './info.js';
import { addPredictCommand } from './predict.js';
import { addPruneCommand } from './prune.js';
import { addQuantizeCommand } from './quantize.js';
import { addTrainCommand } from './train.js';

/** The `tensorgrad` command line; each subcommand lives in its own file. */
export function buildProgram(): Command {
  const program = new Command('tensorgrad')
    .description('Train, evaluate and run small neural networks on CSV files, on tensorgrad’s own engine.')
    .version(packageVersion());
  addTrainCommand(program);
  addEvaluateCommand(program);
  addPredictCommand(program);
  addPruneCommand(program);
  addQuantizeCommand(program);
  program
    .command('info')
    .description('version, kernel providers (and the gpu.js mode), CPU features and threads')
    .action(() => {
      for (const line of infoLines()) console.log(line);
    });
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv, { from: 'user' });
}
