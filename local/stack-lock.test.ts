import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, lockHolder, lockPath } from './stack-lock';

const made: string[] = [];
/** A fresh temporary directory, removed after the file's tests. */
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgerec-lock-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('stack lock', () => {
  it('is held by this process until released', () => {
    const dir = tempDir();
    expect(lockHolder(dir)).toBeNull();
    const release = acquireLock(dir);
    expect(lockHolder(dir)).toBe(process.pid);
    expect(() => acquireLock(dir)).toThrow(/already running/);
    release();
    expect(existsSync(lockPath(dir))).toBe(false);
    acquireLock(dir)();
  });

  it('takes over a lock whose process is gone', () => {
    const dir = tempDir();
    // The pid of a process that has exited (spawnSync waits for it).
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(lockPath(dir), `${gone}\n`);
    expect(lockHolder(dir)).toBeNull();
    const release = acquireLock(dir);
    expect(lockHolder(dir)).toBe(process.pid);
    release();
  });
});
