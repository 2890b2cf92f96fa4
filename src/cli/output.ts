import { randomBytes } from 'node:crypto';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TEMP_PREFIX } from '../io/atomic.js';

/** Where `predict` writes: a file that appears complete or not at all, or standard output. */
export interface Output {
  write(bytes: Uint8Array): Promise<void>;
  /** The file is complete: move it into place. */
  commit(): Promise<void>;
  /** Something failed: remove the partial file. */
  abort(): void;
}

/** Writes, waiting for the stream to drain when its buffer is full; rejects on a stream error. */
export function writeTo(stream: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(bytes)) return resolve();
    const done = (err?: Error) => {
      stream.off('drain', done);
      stream.off('error', done);
      err ? reject(err) : resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}

/**
 * A file written through a temporary sibling and renamed over `path` once complete, so a reader
 * (or a crash halfway) never sees a half-written CSV; or standard output when no path is given.
 */
export function openOutput(path: string | undefined): Output {
  if (path === undefined) {
    return { write: (b) => writeTo(process.stdout, b), commit: async () => {}, abort: () => {} };
  }
  const tmp = join(dirname(path), `${TEMP_PREFIX}${basename(path)}.${randomBytes(6).toString('hex')}`);
  const stream = createWriteStream(tmp);
  let failed: Error | null = null;
  stream.on('error', (err) => {
    failed = err;
  });
  const check = () => {
    if (failed) throw new Error(`cannot write '${path}': ${failed.message}`);
  };
  return {
    async write(bytes) {
      check();
      await writeTo(stream, bytes).catch(() => check());
    },
    async commit() {
      check();
      await new Promise<void>((resolve, reject) => {
        stream.end(() => resolve());
        stream.once('error', reject);
      }).catch(() => check());
      check();
      renameSync(tmp, path);
    },
    abort() {
      stream.destroy();
      rmSync(tmp, { force: true });
    },
  };
}
