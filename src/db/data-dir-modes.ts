// DATA_DIR holds the embedded database (contacts, password and refresh-token hashes), the JWT
// secret and channel credentials: nobody but the service's own user may read it. New files get
// that from the umask the entry points set (OWNER_ONLY_UMASK); a directory made before that
// (or copied around with the default 0022 umask) is tightened here, with one warning.
// PGlite ignores the umask for the files of a new database (its WASM file system chmods them
// 0666 explicitly), so the database opener tightens its own directory after opening it.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../observability/logger.ts';

/** Files 0600, directories 0700. */
export const OWNER_ONLY_UMASK = 0o077;

export interface ModesFixed {
  directories: number;
  files: number;
}

/** Removes group/other access from `dir` and everything in it; returns what it changed. */
export async function tightenModes(dir: string): Promise<ModesFixed> {
  const fixed: ModesFixed = { directories: 0, files: 0 };
  const visit = async (entry: string): Promise<void> => {
    const stat = await lstat(entry);
    // Symlinks are followed by nobody here: their target is not ours to change.
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      if (stat.mode & 0o077) {
        await chmod(entry, 0o700);
        fixed.directories++;
      }
      for (const name of await readdir(entry)) await visit(path.join(entry, name));
    } else if (stat.mode & 0o077) {
      await chmod(entry, 0o600);
      fixed.files++;
    }
  };
  await visit(dir);
  return fixed;
}

/**
 * Creates `dataDir` (0700) if missing and removes group/other access from everything in it,
 * with a warning when there was something to fix. Call it after the database is open: the data
 * directory lock is taken there, and a refused second process must not touch the directory.
 */
export async function secureDataDir(dataDir: string, logger: Logger): Promise<ModesFixed> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const fixed = await tightenModes(dataDir);
  if (fixed.directories || fixed.files) {
    // Counts only: file names under DATA_DIR can carry channel account ids.
    logger.warn(
      { event: 'data_dir_permissions_fixed', directories: fixed.directories, files: fixed.files },
      'DATA_DIR was readable by other users of this machine; its directories are now 0700 and its files 0600',
    );
  }
  return fixed;
}
