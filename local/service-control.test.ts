/** Pausing, resuming, killing and restarting a real process group through its service control. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupAlive, spawnGroup } from './process-group';
import { serviceControl, signalProcess, type ServiceProcess } from './service-control';

/** The kernel's state letter of `pid` (`S` sleeping, `T` stopped, …), or null once it is gone. */
function stateOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
  } catch {
    return null;
  }
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function sleeper(): ServiceProcess {
  const group = spawnGroup('sleeper', '/bin/sh', ['-c', 'exec sleep 60']);
  return {
    pid: group.pid,
    signal: (signal) => signalProcess(-group.pid, signal),
    stop: () => group.stop(2_000),
  };
}

describe.skipIf(process.platform !== 'linux')('serviceControl', () => {
  it('pauses and resumes, kills, restarts as a new process and stops a paused one', async () => {
    const control = serviceControl('sleeper', sleeper(), async () => sleeper());
    const first = control.pid();
    try {
      control.pause();
      await until(() => stateOf(first) === 'T');
      control.resume();
      await until(() => stateOf(first) === 'S');
      await control.kill();
      expect(groupAlive(first)).toBe(false);
      await control.restart();
      expect(control.pid()).not.toBe(first);
      expect(groupAlive(control.pid())).toBe(true);
      // A paused process gets its SIGTERM too: stop() resumes it first.
      control.pause();
      await until(() => stateOf(control.pid()) === 'T');
      const started = Date.now();
      await control.stop();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(groupAlive(control.pid())).toBe(false);
    } finally {
      await control.stop();
    }
  });

  it('ignores signals to a process that is already gone', () => {
    expect(() => signalProcess(2 ** 22 + 12345, 'SIGCONT')).not.toThrow();
  });
});
