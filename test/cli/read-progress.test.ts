import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReadProgress } from '../../src/cli/read-progress.js';

/** A stream that records what is written, posing as a terminal or not. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true },
  );
  return { stream, text: () => chunks.join('') };
}

describe('ReadProgress', () => {
  it('draws MB, rows and rates on a terminal, and clears when done', () => {
    const { stream, text } = sink(true);
    const p = new ReadProgress(false, stream);
    p.update('reading 1/3 columns', { bytes: 50e6, total: 100e6, rows: 123456 });
    p.update('reading 1/3 columns', { bytes: 100e6, total: 100e6, rows: 250000 });
    p.done();
    expect(text()).toMatch(
      /reading 1\/3 columns \[=+\.*\] \d+% \| \d+\/100 MB \| [\d,]+ rows \| [\d,]+ rows\/s \| [\d.]+ MB\/s/,
    );
  });

  it('is silent when not a terminal, and with --quiet', () => {
    for (const [tty, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const { stream, text } = sink(tty);
      const p = new ReadProgress(quiet, stream);
      p.update('reading', { bytes: 1, total: 2, rows: 1 });
      p.done();
      expect(text()).toBe('');
    }
  });
});
