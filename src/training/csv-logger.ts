import { appendFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { checkOptions, knownOptions } from '../options.js';
import type { Callback, Logs } from './callbacks.js';

export interface CSVLoggerOptions {
  /** Between fields. Default ','. */
  separator?: string;
  /** Add to an existing file (its header kept) instead of starting it afresh. Default false. */
  append?: boolean;
}

const CSV_LOGGER_OPTIONS = knownOptions<CSVLoggerOptions>({ separator: true, append: true });

/**
 * Writes one row per epoch to a CSV file, as Keras's CSVLogger: a header `epoch,<keys>` with the
 * first epoch's log keys sorted, then the epoch (from 0) and each value ('NA' for a key an epoch
 * lacks). Each row is appended as its epoch ends, so a run that stops early keeps its rows.
 */
export class CSVLogger implements Callback {
  readonly path: string;
  readonly separator: string;
  readonly append: boolean;
  private keys: string[] | null = null;
  private needsHeader = true;

  constructor(path: string, options: CSVLoggerOptions = {}) {
    checkOptions('CSVLogger', options, CSV_LOGGER_OPTIONS);
    if (typeof path !== 'string' || path === '') {
      throw new Error(`CSVLogger: path must be a file name, got ${String(path)}`);
    }
    this.path = path;
    this.separator = options.separator ?? ',';
    if (typeof this.separator !== 'string' || this.separator === '' || /["\r\n]/.test(this.separator)) {
      throw new Error(
        `CSVLogger: separator must be a non-empty string without quotes or line breaks, got ${JSON.stringify(this.separator)}`,
      );
    }
    this.append = options.append ?? false;
  }

  onTrainBegin(): void {
    this.keys = null;
    try {
      if (this.append) {
        this.needsHeader = !existsSync(this.path) || statSync(this.path).size === 0;
        if (this.needsHeader) writeFileSync(this.path, '');
      } else {
        writeFileSync(this.path, '');
        this.needsHeader = true;
      }
    } catch (err) {
      throw new Error(`CSVLogger: cannot write ${this.path}: ${(err as Error).message}`);
    }
  }

  private field(text: string): string {
    return text.includes(this.separator) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.keys ??= Object.keys(logs).sort();
    const lines: string[] = [];
    if (this.needsHeader) {
      lines.push(['epoch', ...this.keys].map((k) => this.field(k)).join(this.separator));
      this.needsHeader = false;
    }
    const values = this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])));
    lines.push([String(epoch), ...values].join(this.separator));
    appendFileSync(this.path, `${lines.join('\n')}\n`);
  }
}
