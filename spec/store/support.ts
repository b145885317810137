/**
 * File-store specs' scratch space: temporary directories and opened stores, all closed and
 * removed after each test, and crash images (a store directory as a SIGKILL leaves it).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileStore, FileStore, FileStoreOptions } from '../../lib/store/file';

export interface StoreDirs {
  /** A new empty directory, removed after the test. */
  tmpDir(): string;
  /** fileStore(dir, opts), closed after the test. */
  open(dir: string, opts?: FileStoreOptions): FileStore;
  /** The files of `dir` as a SIGKILL leaves them (every write done, no close), copied without the lock. */
  crashImage(dir: string): string;
}

/** Call at the top of a spec file: registers the afterEach clean-up. */
export function useStoreDirs(prefix: string): StoreDirs {
  const dirs: string[] = [];
  const stores: FileStore[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const tmpDir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `mqttloop-${prefix}-`));
    dirs.push(d);
    return d;
  };
  return {
    tmpDir,
    open(dir, opts) {
      const s = fileStore(dir, opts);
      stores.push(s);
      return s;
    },
    crashImage(dir) {
      const copy = tmpDir();
      for (const f of fs.readdirSync(dir)) if (f !== 'lock') fs.copyFileSync(path.join(dir, f), path.join(copy, f));
      return copy;
    },
  };
}
