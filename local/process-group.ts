/**
 * Child processes of the local stack, each in its own process group, so that stopping one also
 * stops whatever it spawned (wrangler starts workerd) and nothing outlives the stack.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A running child process group. */
export interface ChildGroup {
  /** Short name used in messages (`wrangler`, `redis-rest`, …). */
  name: string;
  /** pid of the group leader (also the process group id). */
  pid: number;
  /** Resolves with the exit code (null when killed by a signal) once the leader has exited. */
  exited: Promise<number | null>;
  /** The last lines the child wrote, for error messages. */
  recentOutput(): string[];
  /** False once the group leader has exited. */
  running(): boolean;
  /** SIGTERM to the whole group, SIGKILL after `timeoutMs`; resolves once no member is left. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnGroupOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives every line of stdout and stderr, without the trailing newline. */
  onLine?: (line: string) => void;
  /** Keep stdin open as a pipe (the child can notice that its parent is gone when it closes). */
  pipeStdin?: boolean;
}

const RECENT_LINES = 40;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** Groups that are still running; killed synchronously if this process exits without stopping them. */
const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) signalGroup(pid, 'SIGKILL');
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while any process of the group `pid` is alive. On Linux it reads /proc and ignores zombies
 * (an orphan that exited is a zombie until init reaps it, and not every container init does);
 * elsewhere it asks the kernel with signal 0.
 */
export function groupAlive(pid: number): boolean {
  if (!signalGroup(pid, 0)) return false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/**
 * Spawns `command args` as the leader of a new process group (`detached`), so that a terminal's
 * Ctrl-C reaches only the stack process, which then stops its children in order.
 */
export function spawnGroup(
  name: string,
  command: string,
  args: string[],
  options: SpawnGroupOptions = {},
): ChildGroup {
  installExitHook();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: [options.pipeStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const recent: string[] = [];
  const onChunk = (carry: { text: string }) => (chunk: Buffer) => {
    carry.text += chunk.toString('utf8');
    const lines = carry.text.split('\n');
    carry.text = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      recent.push(line);
      if (recent.length > RECENT_LINES) recent.shift();
      options.onLine?.(line);
    }
  };
  child.stdout!.on('data', onChunk({ text: '' }));
  child.stderr!.on('data', onChunk({ text: '' }));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      recent.push(`${name} could not be started: ${error.message}`);
      resolve(null);
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    return {
      name,
      pid: -1,
      exited,
      recentOutput: () => [...recent],
      running: () => false,
      stop: async () => {},
    };
  }
  live.add(pid);
  let leaderRunning = true;
  void exited.then(() => {
    leaderRunning = false;
  });

  const stop = async (timeoutMs = DEFAULT_STOP_TIMEOUT_MS) => {
    if (!live.has(pid)) return;
    signalGroup(pid, 'SIGTERM');
    const gone = await waitUntil(() => !leaderRunning && !groupAlive(pid), timeoutMs);
    if (!gone) {
      signalGroup(pid, 'SIGKILL');
      await waitUntil(() => !leaderRunning && !groupAlive(pid), 5_000);
    }
    live.delete(pid);
    child.stdin?.destroy();
  };
  return {
    name,
    pid,
    exited,
    recentOutput: () => [...recent],
    running: () => leaderRunning,
    stop,
  };
}
