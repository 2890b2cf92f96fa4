// npm run make-sessions -- --sessions N [--out FILE] [--seed S]: a synthetic shop event log
// (src/data/sessions.ts: browse, search, add to cart, remove, view cart, checkout, pay; the label
// depends on the order of the events), written as it is drawn, so millions of events fit.
import { join } from 'node:path';
import { Command } from 'commander';
import { writeSessionsCsv } from '../src/data/sessions.js';
import { root } from './lib/machine.js';

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer, got '${v}'`);
  return n;
};
const program = new Command('make-sessions')
  .description('write a synthetic event log of shop sessions, one row per event, in time order')
  .requiredOption('--sessions <n>', 'sessions to draw (about 8 events each)', positive('--sessions'))
  .option('--out <file>', 'where to write (default: bench/data/sessions-<n>.csv)')
  .option('--seed <n>', 'seed of the draws', positive('--seed'), 1)
  .option('--label-noise <p>', 'share of labels flipped', Number, 0.01)
  .parse();
const o = program.opts<{ sessions: number; out?: string; seed: number; labelNoise: number }>();
const out = o.out ?? join(root, 'bench', 'data', `sessions-${o.sessions}.csv`);
const started = performance.now();
const written = await writeSessionsCsv(out, o.sessions, { seed: o.seed, labelNoise: o.labelNoise });
console.log(
  `wrote ${written.sessions.toLocaleString('en-US')} sessions, ${written.events.toLocaleString('en-US')} events (${written.purchased.toLocaleString('en-US')} sessions with a purchase) to ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
