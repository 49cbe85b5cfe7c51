/**
 * The lock file of a state directory: `<stateDir>/stack.lock` holds the pid of the process running
 * a stack on it, so that a second stack (or `npm run reset`) does not pull the data from under it.
 * A lock whose process is gone (a crash) is stale and taken over.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Path of the lock file in a state directory. */
export const lockPath = (stateDir: string): string => join(stateDir, 'stack.lock');

/** The pid in the lock file of `stateDir` if that process is still alive, else null. */
export function lockHolder(stateDir: string): number | null {
  const path = lockPath(stateDir);
  if (!existsSync(path)) return null;
  const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it still holds the lock.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** Takes the lock for this process; throws if a live process holds it. Returns the release function. */
export function acquireLock(stateDir: string): () => void {
  const path = lockPath(stateDir);
  const holder = lockHolder(stateDir);
  if (holder !== null) {
    throw new Error(`a stack is already running on ${stateDir} (pid ${holder}); stop it first`);
  }
  rmSync(path, { force: true });
  // 'wx' fails if another process created the file between the check and here.
  writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
  return () => {
    if (lockHolder(stateDir) === process.pid) rmSync(path, { force: true });
  };
}
