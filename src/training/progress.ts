/** Where progress goes: process.stdout by default; tests pass a stream of their own. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** 0 quiet; 1 a bar per epoch on a terminal (one line per epoch otherwise); 2 one line per epoch. */
export type Verbosity = 0 | 1 | 2;

/** 0.31 -> "0.3100", as Keras prints; very small or large values in exponent form. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

export function formatLogs(logs: Record<string, number>): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k}: ${formatValue(v)}`)
    .join(' - ');
}

/** Keras's "1s 3ms/step": whole seconds, then the time per step in ms or us. */
export function formatTiming(seconds: number, steps: number): string {
  const perStep = seconds / Math.max(steps, 1);
  const step =
    perStep >= 1e-3 ? `${Math.round(perStep * 1e3)}ms/step` : `${Math.round(perStep * 1e6)}us/step`;
  return `${Math.round(seconds)}s ${step}`;
}

/**
 * The progress of fit. On a terminal at verbose 1 a cli-progress bar per epoch shows steps,
 * elapsed time, ETA and the running loss and metrics; it is cleared at the end of the epoch and
 * replaced by the Keras-style line. Anywhere else each epoch prints exactly that one plain line.
 */
/** A bar for one epoch: what Progress needs of cli-progress's SingleBar. */
export interface EpochBar {
  update(step: number, payload: { metrics: string }): void;
  stop(): void;
}

/** Starts a bar of `steps` steps with a cli-progress format string on the stream. */
export type EpochBarFactory = (format: string, stream: ProgressStream, steps: number) => EpochBar;

/**
 * cli-progress needs Node's events and readline, so the training layer does not import it: the
 * Node side (training/terminal-bar.ts) installs the factory. Without one, every epoch prints its line.
 */
let barFactory: EpochBarFactory | null = null;

export function setEpochBarFactory(factory: EpochBarFactory | null): void {
  barFactory = factory;
}

export class Progress {
  private bar: EpochBar | null = null;
  private readonly useBar: boolean;
  private lastDraw = 0;

  constructor(
    private readonly verbose: Verbosity,
    private readonly stream: ProgressStream,
    private readonly epochs: number,
  ) {
    this.useBar = verbose === 1 && stream.isTTY === true;
  }

  epochBegin(epoch: number, steps: number): void {
    if (!this.useBar || barFactory === null) return;
    this.bar = barFactory(
      `Epoch ${epoch + 1}/${this.epochs} [{bar}] {value}/{total} - {duration_formatted} ETA {eta_formatted}{metrics}`,
      this.stream,
      steps,
    );
    this.lastDraw = performance.now();
  }

  /** After each batch; `running` is only formatted when the bar is about to redraw. */
  batchEnd(step: number, steps: number, running: () => Record<string, number>): void {
    if (this.bar === null) return;
    const now = performance.now();
    if (step < steps && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.bar.update(step, { metrics: ` - ${formatLogs(running())}` });
  }

  epochEnd(epoch: number, steps: number, seconds: number, logs: Record<string, number>): void {
    this.close();
    if (this.verbose === 0) return;
    const line = `Epoch ${epoch + 1}/${this.epochs} - ${steps}/${steps} - ${formatTiming(seconds, steps)} - ${formatLogs(logs)}`;
    this.stream.write(`${line}\n`);
  }

  /** Stops the bar (also when fit throws, so the terminal is left clean). */
  close(): void {
    if (this.bar !== null) {
      this.bar.stop();
      this.bar = null;
    }
  }
}
