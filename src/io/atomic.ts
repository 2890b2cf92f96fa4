import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ownerTag } from './owner.js';

/** Prefix of the temporary files writes go through; loaders never read them. */
export const TEMP_PREFIX = '.tmp-';

/**
 * A fresh temporary sibling of `path`: `.tmp-<name>.<owner>.<random>`, where owner names the host
 * and process (see owner.ts), so a later save can tell a crashed writer's leftovers from a live one.
 */
export function tempName(path: string): string {
  return join(
    dirname(path),
    `${TEMP_PREFIX}${basename(path)}.${ownerTag()}.${randomBytes(6).toString('hex')}`,
  );
}

/** Writes and flushes `data` to a new file at `path` (which must not exist). */
export function writeDurable(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'wx');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (the renames into it) to disk; a no-op where directories cannot be opened. */
export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the renames are still atomic.
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the file through a temporary sibling, flushed to disk, then renamed over the target: a
 * reader sees the old file or the new one, never a half-written one. `beforeRename` is a test seam
 * that simulates a crash between the write and the rename.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, beforeRename?: () => void): void {
  const tmp = tempName(path);
  try {
    writeDurable(tmp, data);
    beforeRename?.();
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
