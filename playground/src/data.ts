import { Generator } from '../../src/browser.js';

/**
 * Two-feature synthetic users: pages viewed and session minutes, both squeezed into [-1, 1] (the
 * playground's axes). The rule is the section 4.3 rule cut down to two features, nonlinear on
 * purpose: an engaged session (many pages AND a long stay) buys, a bounce (a very short stay) does
 * not, and a middle band buys only when pages and minutes rise together (a curved boundary).
 * Label noise flips a few answers. Every draw comes from one seeded Generator, in a fixed order.
 */
export interface TwoFeatureData {
  /** Row-major [rows, 2]. */
  x: Float32Array;
  /** 0 or 1 per row. */
  y: Float32Array;
  rows: number;
}

export const FEATURE_NAMES = ['pages viewed (scaled)', 'session minutes (scaled)'] as const;

/** The rule without noise, for any point of the square: 1 buys, 0 does not. */
export function buys(pages: number, minutes: number): boolean {
  if (minutes < -0.75) return false; // bounce
  if (pages > 0.1 && minutes > 0.1) return true; // engaged: an interaction of the two
  return pages * pages + minutes * minutes > 0.7 && pages + minutes > -0.2; // the curved band
}

export function twoFeatureUsers(rows: number, seed: number, labelNoise = 0.05): TwoFeatureData {
  const g = new Generator(seed);
  const x = new Float32Array(rows * 2);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const pages = g.uniform(-1, 1);
    const minutes = g.uniform(-1, 1);
    x[2 * i] = pages;
    x[2 * i + 1] = minutes;
    let label = buys(pages, minutes);
    if (g.random() < labelNoise) label = !label;
    y[i] = label ? 1 : 0;
  }
  return { x, y, rows };
}
