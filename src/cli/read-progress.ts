import cliProgress from 'cli-progress';
import type { ScanProgress } from '../data/csv-scan.js';
import type { ProgressStream } from '../training/progress.js';

const MB = 1e6;

/**
 * A progress bar for long reads of a CSV file: MB read of the total, rows and rows/s, MB/s. Like
 * fit's bar it draws only on a terminal (here standard error, so piped output stays clean) and
 * not at all with --quiet.
 */
export class ReadProgress {
  private bar: cliProgress.SingleBar | null = null;
  private title = '';
  private started = 0;
  private readonly enabled: boolean;

  constructor(
    quiet: boolean | undefined,
    private readonly stream: ProgressStream = process.stderr,
  ) {
    this.enabled = !quiet && stream.isTTY === true;
  }

  /** Reports progress of the read named `title` (a new title starts a new bar). */
  update(title: string, p: ScanProgress): void {
    if (!this.enabled) return;
    if (title !== this.title || this.bar === null) {
      this.done();
      this.title = title;
      this.started = performance.now();
      this.bar = new cliProgress.SingleBar(
        {
          format: `${title} [{bar}] {percentage}% | {mb}/{totalMb} MB | {rows} rows | {rate} rows/s | {speed} MB/s`,
          stream: this.stream,
          barsize: 25,
          barCompleteChar: '=',
          barIncompleteChar: '.',
          clearOnComplete: true,
          hideCursor: false,
          fps: 5,
        },
        cliProgress.Presets.legacy,
      );
      this.bar.start(Math.max(p.total, 1), 0, this.payload(p));
    }
    this.bar.update(p.bytes, this.payload(p));
  }

  private payload(p: ScanProgress) {
    const seconds = Math.max((performance.now() - this.started) / 1000, 1e-3);
    return {
      mb: (p.bytes / MB).toFixed(0),
      totalMb: (p.total / MB).toFixed(0),
      rows: p.rows.toLocaleString('en-US'),
      rate: Math.round(p.rows / seconds).toLocaleString('en-US'),
      speed: (p.bytes / MB / seconds).toFixed(1),
    };
  }

  /** Clears the bar (also when the read fails, so the terminal is left clean). */
  done(): void {
    if (this.bar !== null) {
      this.bar.stop();
      this.bar = null;
    }
  }
}
