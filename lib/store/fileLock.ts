/**
 * The store directory's lock file: `lock`, holding {"pid","start","host","token"} of the process
 * that owns the directory. One directory serves one client: a lock held by a live process
 * refuses a second store; one left by a dead process (or a reused pid) is taken over.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { readOrNull, wrap } from './fileIo';

/** The lock file's name inside the store directory. */
export const LOCK = 'lock';

interface LockHolder {
  pid: number;
  start: string | null;
  host: string;
  token: string;
}

/**
 * Takes the lock `lockFile` of directory `dir` for this process; returns the token written in
 * it (release with releaseLock). Throws when a live process holds it.
 */
export function acquireLock(dir: string, lockFile: string): string {
  const token = randomBytes(8).toString('hex');
  const content = JSON.stringify({ pid: process.pid, start: processStart(process.pid), host: os.hostname(), token }) + '\n';
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(lockFile, content, dir)) return token;
    let text: string;
    try {
      text = fs.readFileSync(lockFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw wrap(e, `cannot read the lock file ${lockFile}`);
    }
    const holder = parseLock(text);
    if (holder !== null && !isStale(holder)) {
      throw new Error(
        `fileStore: the directory ${dir} is in use by another client (process ${holder.pid} on ${holder.host}); ` +
        `two clients cannot share one store directory: give each client its own. ` +
        `If that process is gone for good, remove ${lockFile}.`);
    }
    // Stale (its process is dead) or unreadable: move it aside atomically, so that of two
    // processes taking it over at once only one removes it, then try again.
    const aside = `${lockFile}.stale-${process.pid}-${token}`;
    try {
      fs.renameSync(lockFile, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw wrap(e, `cannot take over the stale lock ${lockFile}`);
    }
    const moved = readOrNull(aside);
    if (moved !== text) {
      // Someone else took it over between our read and our rename: theirs was live. Put it back.
      try { fs.linkSync(aside, lockFile); } catch { /* best effort */ }
    }
    fs.rmSync(aside, { force: true });
  }
  throw new Error(`fileStore: could not take the lock ${lockFile} (it keeps changing hands)`);
}

/** Removes `lockFile` if it still holds `token` (a lock taken over meanwhile is left alone). */
export function releaseLock(lockFile: string, token: string): void {
  const holder = parseLock(readOrNull(lockFile) ?? '');
  if (holder !== null && holder.token === token) fs.rmSync(lockFile, { force: true });
}

/** Creates `file` with `content` only if it does not exist, atomically (content complete when it appears). */
function createExclusive(file: string, content: string, dir: string): boolean {
  const tmp = path.join(dir, `.lock-${process.pid}-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw wrap(e, `cannot create ${file}`);
    // No hard links on this file system: fall back to O_EXCL.
    try {
      fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw wrap(e2, `cannot create ${file}`);
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function parseLock(text: string): LockHolder | null {
  try {
    const o = JSON.parse(text) as Partial<LockHolder>;
    if (typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 0) return null;
    return { pid: o.pid, start: typeof o.start === 'string' ? o.start : null, host: String(o.host ?? ''), token: String(o.token ?? '') };
  } catch {
    return null;
  }
}

/** A lock is stale when its process is gone (or its pid now belongs to another process). */
function isStale(h: LockHolder): boolean {
  if (h.host !== os.hostname()) return false; // cannot tell: treat as held
  if (h.pid === process.pid) return false; // this process: another store (or one never closed)
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const stat = readOrNull(`/proc/${h.pid}/stat`);
  if (stat === null) return false;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return true; // a zombie: dead, not yet reaped
  return h.start !== null && fields[19] !== undefined && fields[19] !== h.start; // pid reused
}

/** The process's start time (Linux: /proc/PID/stat field 22), to tell a reused pid; else null. */
function processStart(pid: number): string | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}
