import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who wrote a temporary file: a short tag of the host name plus the process id, put into the
 * file's name. A later save removes the temporary files of writers that are gone, and only those:
 * a file whose writer still runs may be a save in progress.
 */

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** `<host tag>-<pid>`: no dots, so it can sit between the dots of a temporary file's name. */
export function ownerTag(pid = process.pid): string {
  return `${HOST_TAG}-${pid}`;
}

/** The owner tag inside a name made by tempName, or null for any other name. */
export function ownerOf(tempFileName: string): string | null {
  return /\.([0-9a-f]{8}-\d+)\.[0-9a-f]+$/.exec(tempFileName)?.[1] ?? null;
}

/**
 * Whether the writer behind an owner tag may still run. On this host that is the process table
 * (EPERM: the process exists but belongs to someone else). Another host's processes cannot be
 * asked, so they count as running: their files are left alone, never deleted under a live save.
 */
export function ownerMayBeAlive(owner: string): boolean {
  const dash = owner.indexOf('-');
  if (owner.slice(0, dash) !== HOST_TAG) return true;
  const pid = Number(owner.slice(dash + 1));
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
