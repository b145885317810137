/**
 * The file store's system calls, wrapped so that every failure throws one kind of Error: it
 * names the file, and keeps the system error as `cause` and its `code`.
 */
import * as fs from 'fs';

/** An Error for a failed system call: `fileStore: <what>: <system message>`, with `cause` and `code`. */
export function wrap(e: unknown, what: string): Error {
  const cause = e as NodeJS.ErrnoException;
  const err = new Error(`fileStore: ${what}: ${cause?.message ?? String(e)}`, { cause: e }) as NodeJS.ErrnoException;
  if (cause?.code !== undefined) err.code = cause.code;
  return err;
}

/** The file's text, or null when it cannot be read (missing, unreadable). */
export function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Opens `file` for appending (created mode 0600; `truncate` empties it). */
export function openAppend(file: string, truncate: boolean): number {
  const c = fs.constants;
  const flags = c.O_WRONLY | c.O_APPEND | c.O_CREAT | (truncate ? c.O_TRUNC : 0);
  let fd: number;
  try {
    fd = fs.openSync(file, flags, 0o600);
  } catch (e) {
    throw wrap(e, `cannot open ${file}`);
  }
  try { fs.fchmodSync(fd, 0o600); } catch { /* not our file to chmod: keep its mode */ }
  return fd;
}

/** Writes every byte of `bufs` (writev may write less than asked). */
export function writeAll(fd: number, bufs: Buffer[], total: number): void {
  let written = fs.writevSync(fd, bufs);
  while (written < total) {
    // Drop the fully written buffers, slice the partly written one.
    let skip = written;
    const rest: Buffer[] = [];
    for (const b of bufs) {
      if (skip >= b.length) { skip -= b.length; continue; }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    bufs = rest;
    total -= written;
    written = fs.writevSync(fd, bufs);
  }
}

/** Makes a rename in `dir` durable (fsync of the directory), where the platform allows it. */
export function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return; // platforms that cannot open a directory (Windows): nothing to sync
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    /* EINVAL/EISDIR on some file systems: the rename is as durable as they make it */
  } finally {
    fs.closeSync(fd);
  }
}
