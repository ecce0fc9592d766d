// One process per embedded database directory. PGlite is a single-process engine: two processes
// on one directory each keep their own view and the later writer silently wins, losing data the
// other had acknowledged. So every process that opens the directory takes this lock first.
//
// Why flock(2) (through fs-ext) and not a PID file: the kernel drops an flock when its holder
// dies in any way (SIGKILL, OOM kill, power loss), so a dead holder never blocks the next start
// and no timeout has to guess. A PID file can only be judged stale by checking the PID and its
// start time in /proc, which is wrong as soon as the holder ran in another PID namespace (a
// restarted container sees PID 1 again, with another start time, while the old holder might be
// alive in a sibling container on the same volume). flock works across PID and network
// namespaces on one host, and over NFSv4 (Linux maps it onto NFS byte-range locks). It works on
// macOS too (flock is native there). mtime/heartbeat locks (proper-lockfile) are a timeout guess.
//
// The lock file (`<dir>.lock`, next to the database directory) is never deleted: deleting a
// flock'ed file lets a third process lock a fresh inode while a second still waits on the old
// one. It holds a line about its current holder, read only to explain a refusal.
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly directory: string,
    readonly holder: LockHolder | undefined,
  ) {
    const who = holder
      ? `another atende process (PID ${holder.pid}, started ${holder.startedAt}, ${holder.command})`
      : 'another atende process (it is still starting; its PID is not written yet)';
    super(
      [
        `the embedded database in ${directory} is in use by ${who}.`,
        'PGlite allows one process per data directory; a second one would lose data. Either:',
        `  - stop that process first${holder ? ` (kill ${holder.pid}, or Ctrl-C in its terminal)` : ''}, or`,
        '  - use another data directory (DATA_DIR=...), or',
        '  - move to PostgreSQL (DATABASE_URL=...; npm run db:pglite-to-postgres moves the data), which many processes can share.',
      ].join('\n'),
    );
    this.name = 'DataDirLockedError';
  }
}

export interface LockHolder {
  pid: number;
  /** Wall-clock start of the holder process (ISO 8601), to tell it apart from a reused PID. */
  startedAt: string;
  /** Which entry point holds it, e.g. `src/server.ts`, `scripts/db-migrate.ts`. */
  command: string;
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

interface FsExt {
  flockSync(fd: number, flags: 'exnb' | 'un'): void;
}

let fsExt: FsExt | undefined;
function loadFsExt(): FsExt {
  // Loaded on first use, not at import: a PostgreSQL deployment never needs the native module.
  if (!fsExt) {
    try {
      fsExt = createRequire(import.meta.url)('fs-ext') as FsExt;
    } catch (err) {
      throw new Error(
        `the embedded database needs the native module fs-ext to lock its data directory, and it did not load (${(err as Error).message}). ` +
          'Reinstall with build tools present (npm ci; on Alpine: apk add python3 make g++), or set DATABASE_URL to use PostgreSQL.',
        { cause: err },
      );
    }
  }
  return fsExt;
}

export const lockFileFor = (directory: string) => `${path.resolve(directory)}.lock`;

function processStartedAt(): string {
  return new Date(Date.now() - process.uptime() * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

function entryPoint(): string {
  const script = process.argv[1];
  return script ? path.relative(process.cwd(), script) || path.basename(script) : 'node';
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.startedAt === 'string') {
      return { pid: parsed.pid, startedAt: parsed.startedAt, command: String(parsed.command ?? 'unknown command') };
    }
  } catch {
    // Empty (the holder has not written yet) or unreadable: the refusal says so.
  }
  return undefined;
}

/**
 * Takes the exclusive lock on an embedded database directory, without waiting: throws
 * DataDirLockedError at once when another live process holds it. The caller's parent directory
 * must exist.
 */
export function lockDataDir(directory: string): DataDirLock {
  const { flockSync } = loadFsExt();
  const file = lockFileFor(directory);
  // 'a' creates without truncating: a refused process must not erase the holder's line.
  const fd = openSync(file, 'a+', 0o600);
  try {
    flockSync(fd, 'exnb');
  } catch (err) {
    closeSync(fd);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') throw new DataDirLockedError(path.resolve(directory), readHolder(file));
    throw err;
  }
  const holder: LockHolder = { pid: process.pid, startedAt: processStartedAt(), command: entryPoint() };
  ftruncateSync(fd, 0);
  writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      // The line stays; it is only read when the lock is refused, i.e. about a live holder.
      closeSync(fd);
    },
  };
}
