/**
 * Control over one dependency process of the local stack (redis-server, a REST server): pause it
 * (a hang), kill it (a crash), resume or restart it. The failure tests use it to stop the real
 * process, not a stand-in; the stack itself uses `stop()` on shutdown.
 */

/** One running process (or process group) of a service, as the stack started it. */
export interface ServiceProcess {
  /** pid of the process (the group leader for a process group). */
  pid: number;
  /** Sends `signal` to the process (to the whole group for a group leader). */
  signal(signal: NodeJS.Signals): void;
  /** Stops it (SIGTERM, then SIGKILL after a while); resolves once it has exited. */
  stop(): Promise<void>;
}

/** What the stack exposes for one service. */
export interface ServiceControl {
  /** Short name (`redis`, `redis-rest`, `vector-rest`). */
  readonly name: string;
  /** pid of the current process; changes on `restart()`. */
  pid(): number;
  /** SIGSTOP: the process hangs — the kernel still accepts connections, nothing answers them. */
  pause(): void;
  /** SIGCONT: a paused process carries on with what it had received meanwhile. */
  resume(): void;
  /** SIGKILL (a crash: no clean shutdown, no final save); resolves once it has exited. */
  kill(): Promise<void>;
  /**
   * Starts a new process with the same settings, ports and data directory (stopping the current
   * one first if it still runs); resolves once the new one answers.
   */
  restart(): Promise<void>;
  /** Stops it cleanly (resumed first, so that a paused process receives the SIGTERM). */
  stop(): Promise<void>;
}

/** A `ServiceControl` over `first`, using `start` to start a replacement. */
export function serviceControl(
  name: string,
  first: ServiceProcess,
  start: () => Promise<ServiceProcess>,
): ServiceControl {
  let current = first;
  // Both kinds of process answer stop() at once when they have already exited.
  const stop = async () => {
    current.signal('SIGCONT');
    await current.stop();
  };
  return {
    name,
    pid: () => current.pid,
    pause: () => current.signal('SIGSTOP'),
    resume: () => current.signal('SIGCONT'),
    async kill() {
      current.signal('SIGKILL');
      // After SIGKILL, stop() only waits for the exit (its SIGTERM finds nothing to stop).
      await current.stop();
    },
    async restart() {
      await stop();
      current = await start();
    },
    stop,
  };
}

/** `process.kill` that ignores a process that is already gone (ESRCH). */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
