// The auto-vs-best check as a paired comparison: on a shared, noisy machine two separate
// benchmark.js runs of the same kernel differ by more than the 10% the check allows, so auto and
// the best provider are timed in alternating short batches (order flipped every pair) and the
// median of the per-pair time ratios decides.
import { median } from './stats.js';

export interface PairedResult {
  /** Median over pairs of time(auto) / time(best): 1.05 means auto is 5% slower. */
  ratio: number;
  pairs: number;
  /** Seconds per call, medians over pairs. */
  autoSec: number;
  bestSec: number;
}

function timeBatch(fn: () => void, calls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return (performance.now() - t0) / 1000 / calls;
}

export function pairedRatio(
  auto: () => void,
  best: () => void,
  opts: { pairs: number; batchSec: number },
): PairedResult {
  auto();
  best();
  const once = Math.max(timeBatch(best, 1), 1e-7);
  const calls = Math.max(1, Math.round(opts.batchSec / once));
  const pairs = once > 0.5 ? Math.min(opts.pairs, 5) : opts.pairs;
  const ratios: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let p = 0; p < pairs; p++) {
    let ta: number;
    let tb: number;
    if (p % 2 === 0) {
      ta = timeBatch(auto, calls);
      tb = timeBatch(best, calls);
    } else {
      tb = timeBatch(best, calls);
      ta = timeBatch(auto, calls);
    }
    a.push(ta);
    b.push(tb);
    ratios.push(ta / tb);
  }
  return { ratio: median(ratios), pairs, autoSec: median(a), bestSec: median(b) };
}
