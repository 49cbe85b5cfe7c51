/** Finds, starts and stops a real redis-server bound to loopback, with persistence on. */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join, resolve } from 'node:path';

/** A redis-server this process uses: its URL and how to let go of it. */
export interface RunningRedis {
  /** `redis://host:port` of the server. */
  url: string;
  /** pid of the redis-server this process started; `null` for a `REDIS_URL` server. */
  pid: number | null;
  /** Stops the server if this process started it (a `REDIS_URL` server is left running). */
  stop(): Promise<void>;
}

/** Options of `startRedisServer`. */
export interface StartRedisOptions {
  /** TCP port (1-65535). */
  port: number;
  /** Directory for the RDB snapshot and the append-only file; created if missing. */
  dataDir: string;
  /** Loopback address to bind (default `127.0.0.1`). */
  host?: string;
  /** Milliseconds to wait for the first PONG (default 10 000). */
  readyTimeoutMs?: number;
  /**
   * Keep the data on disk (default true): the append-only file and RDB snapshots. `false` writes
   * nothing, for a throwaway server whose measurements a snapshot's fork and compression, which
   * take a core for a few hundred milliseconds on a small machine, would disturb (the benchmark).
   */
  persistence?: boolean;
}

/** One line telling how to get Redis, used whenever none is available. */
export const INSTALL_REDIS_HINT =
  'redis-server not found on PATH and REDIS_URL is not set: install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://127.0.0.1:6379';

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;
const STOP_TIMEOUT_MS = 10_000;

/** The path of the `redis-server` executable on `PATH`, or `null`. */
export function findRedisServer(path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory: try the next one.
    }
  }
  return null;
}

/**
 * Spawns `redis-server` on `host:port` (loopback only, protected mode on) with AOF and RDB
 * persistence in `dataDir`, and resolves once it answers. `stop()` sends SIGTERM — Redis then
 * fsyncs the AOF and writes a final RDB snapshot — and waits for the process to exit.
 */
export async function startRedisServer(options: StartRedisOptions): Promise<RunningRedis> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) throw new Error(`redis-server binds to loopback only, not to ${host}`);
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new Error(`invalid redis-server port ${options.port}`);
  }
  const executable = findRedisServer();
  if (!executable) throw new Error(INSTALL_REDIS_HINT);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });

  const child = spawn(
    executable,
    [
      '--port',
      String(options.port),
      '--bind',
      host,
      '--protected-mode',
      'yes',
      '--dir',
      dataDir,
      ...(options.persistence === false
        ? ['--appendonly', 'no', '--save', '']
        : [
            '--appendonly',
            'yes',
            '--appendfsync',
            'everysec',
            // RDB snapshots as well: after an hour with one change, 5 minutes with 100, 1 minute
            // with 10 000.
            '--save',
            '3600 1 300 100 60 10000',
          ]),
      '--daemonize',
      'no',
      '--logfile',
      '',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The last lines of output explain a failed start (e.g. the port is taken).
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => resolveExit(code));
    child.once('error', () => resolveExit(null));
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });
  // Never leave an orphan redis-server behind when this process exits without stop(); SIGCONT too,
  // or a server paused by a failure test would hold the SIGTERM until someone resumed it.
  const killOnExit = () => {
    child.kill('SIGTERM');
    child.kill('SIGCONT');
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (!running) return;
    child.kill('SIGTERM');
    child.kill('SIGCONT');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    if (!running) {
      process.off('exit', killOnExit);
      throw new Error(`redis-server exited during start-up: ${output.slice(-3).join(' | ')}`);
    }
    // Ready when the answer comes from our child, not from another server holding the port.
    if ((await serverProcessId(host, options.port)) === child.pid) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer on ${host}:${options.port} in time`);
    }
  }
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return { url: `redis://${hostInUrl}:${options.port}`, pid: child.pid ?? null, stop };
}

/**
 * The Redis the local stack uses: `REDIS_URL` if set (left running on stop), else a redis-server
 * started on `port` with data in `dataDir`; throws the one-line install hint when neither exists.
 */
export async function resolveRedis(
  options: StartRedisOptions,
  env: Record<string, string | undefined> = process.env,
): Promise<RunningRedis> {
  if (env.REDIS_URL) return { url: env.REDIS_URL, pid: null, stop: async () => {} };
  if (!findRedisServer(env.PATH ?? process.env.PATH)) throw new Error(INSTALL_REDIS_HINT);
  return startRedisServer(options);
}

/**
 * The `process_id` the Redis server on `host:port` reports in `INFO server` (sent inline, so no
 * client library is needed), or `null` when nothing answers like Redis.
 */
export function serverProcessId(
  host: string,
  port: number,
  timeoutMs = 1_000,
): Promise<number | null> {
  return new Promise((resolvePid) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (pid: number | null) => {
      socket.destroy();
      resolvePid(pid);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.startsWith('-')) return done(null);
      const match = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (match) done(Number(match[1]));
    });
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
  });
}
