import { describe, expect, it } from 'vitest';
import { groupAlive, spawnGroup } from './process-group';

describe('spawnGroup', () => {
  it('stops the leader and everything it spawned', async () => {
    // A shell that starts a background grandchild and then waits: both are in the group.
    const group = spawnGroup('sleepers', '/bin/sh', ['-c', 'sleep 60 & echo started; wait']);
    await new Promise<void>((resolve) => {
      const check = () =>
        group.recentOutput().includes('started') ? resolve() : setTimeout(check, 20);
      check();
    });
    expect(groupAlive(group.pid)).toBe(true);
    expect(group.running()).toBe(true);
    await group.stop(2_000);
    expect(group.running()).toBe(false);
    expect(groupAlive(group.pid)).toBe(false);
  });

  it('kills a group that ignores SIGTERM once the timeout passes', async () => {
    const group = spawnGroup('stubborn', '/bin/sh', [
      '-c',
      "trap '' TERM; echo started; sleep 60 & wait",
    ]);
    await new Promise<void>((resolve) => {
      const check = () =>
        group.recentOutput().includes('started') ? resolve() : setTimeout(check, 20);
      check();
    });
    const started = Date.now();
    await group.stop(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(groupAlive(group.pid)).toBe(false);
  });

  it('reports a command that cannot start', async () => {
    const group = spawnGroup('missing', '/nonexistent/binary', []);
    expect(await group.exited).toBeNull();
    expect(group.recentOutput().join('\n')).toMatch(/could not be started/);
  });
});
