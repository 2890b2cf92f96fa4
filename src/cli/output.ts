import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
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

const SYSTEM_DIRS = ['/proc', '/sys', '/dev'];

/** The nearest existing folder at or above `path` (which may not exist yet). */
function nearestExisting(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

/** Writes and removes a probe file in `dir`; the error says why that failed. */
function probeWritable(option: string, dir: string): void {
  const probe = join(dir, `${TEMP_PREFIX}probe-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    throw new Error(
      `${option}: cannot write into '${dir}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function refuseSystemDir(option: string, path: string): void {
  const abs = resolve(path);
  const system = SYSTEM_DIRS.find((d) => abs === d || abs.startsWith(`${d}/`));
  if (system) throw new Error(`${option}: '${path}' is under ${system}, which holds no files of yours`);
}

/**
 * Checks, before any work, that `path` can become a folder of output files: not an existing file,
 * not under /proc, /sys or /dev, and inside a folder this process can write to.
 */
export function checkOutputFolder(option: string, path: string): void {
  refuseSystemDir(option, path);
  if (existsSync(path) && !statSync(path).isDirectory()) {
    throw new Error(`${option}: '${path}' is a file; give a folder (it is created if needed)`);
  }
  const base = nearestExisting(path);
  if (!statSync(base).isDirectory()) {
    throw new Error(`${option}: '${base}' is a file, so '${path}' cannot be a folder`);
  }
  probeWritable(option, base);
}

/** Checks, before any work, that `path` can be written as a file: its folder exists and is writable. */
export function checkOutputFile(option: string, path: string): void {
  refuseSystemDir(option, path);
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new Error(`${option}: '${path}' is a folder; give a file name`);
  }
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`${option}: the folder '${dirname(path)}' does not exist`);
  }
  probeWritable(option, dir);
}
