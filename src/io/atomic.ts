import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Prefix of the temporary files writes go through; loaders never read them. */
export const TEMP_PREFIX = '.tmp-';

/**
 * Writes the file through a temporary sibling, flushed to disk, then renamed over the target: a
 * reader sees the old file or the new one, never a half-written one. `beforeRename` is a test seam
 * that simulates a crash between the write and the rename.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, beforeRename?: () => void): void {
  const tmp = join(dirname(path), `${TEMP_PREFIX}${basename(path)}.${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    beforeRename?.();
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
