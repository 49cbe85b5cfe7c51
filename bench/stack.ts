/**
 * Starts the local stack for the benchmark (as `npm start` does, but with empty stores, its own
 * ports and a temporary state folder) and guarantees it is stopped.
 */
import { startStack, type StackPorts } from '../local/stack';
import { BenchApi, type BenchKeys } from './api-client';
import { untimed, type TimeStage } from './stage-timer';

export type RealtimeMode = 'on' | 'off';

/** A running stack as the benchmark sees it: the API client, and how to stop it. */
export interface BenchStack {
  api: BenchApi;
  apiUrl: string;
  keys: BenchKeys;
  stateDir: string;
  startupMs: number;
  /** The last lines wrangler and the workers printed (for the error report of a failed run). */
  recentOutput(): string[];
  stop(): Promise<void>;
}

/** Starts a stack on a state folder with the real-time loop on or off. */
export type StackLauncher = (options: StackLaunch) => Promise<BenchStack>;

export interface StackLaunch {
  stateDir: string;
  realtime: RealtimeMode;
  /**
   * Whether the stack's redis-server writes its data to disk (default true: the freshness
   * measurement restarts stacks from a copy of the state folder). Stacks that are only measured
   * and thrown away turn it off: an RDB snapshot or AOF rewrite forks Redis and takes a core for
   * a few hundred milliseconds, which on two cores stalls every request in flight. (A managed
   * Redis persists on its own machines, not on the edge's CPU.)
   */
  persistence?: boolean;
}

/** Stop functions of the stacks started and not yet stopped (for Ctrl-C). */
const running = new Set<() => Promise<void>>();

/** Set once the process is shutting down: no new stack may start after that. */
let shuttingDown = false;

/**
 * Stops every stack this process started and has not stopped yet; with `shutdown`, also refuses
 * every later start (a Ctrl-C must not be followed by the next measurement's stack).
 */
export async function stopAllStacks(shutdown = false): Promise<void> {
  if (shutdown) shuttingDown = true;
  await Promise.allSettled([...running].map((stop) => stop()));
}

/**
 * Requests per minute per key for the benchmark stack: the limiter stays on (its Redis call is part
 * of every production request) but never refuses the load generator.
 */
export const BENCH_RATE_LIMIT_PER_MINUTE = 1_000_000_000;

/**
 * A launcher over `startStack`: demo off (empty stores), the rate limiter on with a limit the load
 * never reaches, the given real-time setting, no cron emulation.
 */
export function stackLauncher(
  ports: StackPorts,
  log: (line: string) => void,
  time: TimeStage = untimed,
): StackLauncher {
  return async ({ stateDir, realtime, persistence }) => {
    if (shuttingDown) throw new Error('the benchmark is shutting down');
    const env: Record<string, string | undefined> = { ...process.env };
    // Settings from the caller's shell must not leak into a measurement that states its own.
    for (const name of Object.keys(env)) if (name.startsWith('EDGEREC_')) delete env[name];
    // Empty stores: always the stack's own redis-server, never a shared one named by REDIS_URL.
    delete env.REDIS_URL;
    const output: string[] = [];
    const stack = await time('stack start', () =>
      startStack({
        stateDir,
        ports,
        demo: false,
        env,
        settings: {
          EDGEREC_REALTIME: realtime,
          EDGEREC_RATE_LIMIT_PER_MINUTE: String(BENCH_RATE_LIMIT_PER_MINUTE),
        },
        ...(persistence === undefined ? {} : { redisPersistence: persistence }),
        log: (m) => log(`  stack: ${m}`),
        onWorkerOutput: (line) => {
          output.push(line);
          if (output.length > 400) output.splice(0, output.length - 200);
        },
      }),
    );
    log(
      `  stack: ready in ${Math.round(stack.startupMs)} ms (real-time ${realtime}, state ${stateDir})`,
    );
    const keys: BenchKeys = {
      read: stack.keys.read,
      write: stack.keys.write,
      admin: stack.keys.admin,
    };
    const stop = async () => {
      running.delete(stop);
      await time('stack stop', () => stack.stop());
    };
    running.add(stop);
    return {
      api: new BenchApi(stack.urls.api, keys),
      apiUrl: stack.urls.api,
      keys,
      stateDir: stack.stateDir,
      startupMs: stack.startupMs,
      recentOutput: () => output.slice(-40),
      stop,
    };
  };
}

/** Runs `fn` on a freshly started stack and always stops it, also when `fn` throws. */
export async function withStack<T>(
  launch: StackLauncher,
  options: StackLaunch,
  fn: (stack: BenchStack) => Promise<T>,
): Promise<T> {
  const stack = await launch(options);
  try {
    return await fn(stack);
  } catch (error) {
    // What the workers printed last usually says why (an exception, a reload, a refused run).
    const tail = stack.recentOutput().slice(-15).join('\n');
    if (error instanceof Error && tail) error.message += `\n--- last worker output ---\n${tail}`;
    throw error;
  } finally {
    await stack.stop();
  }
}
