/** The REST server's connections to redis-server: a shared pool plus dedicated ones for MULTI/EXEC. */
import IORedis, { type Redis, type ReplyError as ReplyErrorClass } from 'ioredis';
import type { RespReply } from './encode-reply';
import { RestError } from './rest-error';

// Through the default export: the workers test projects load this module with vite's module
// runner, where named imports of ioredis' CommonJS exports come back undefined.
const { ReplyError } = IORedis as unknown as { ReplyError: typeof ReplyErrorClass };

/** The outcome of one command: its reply, or the Redis error text. */
export type CommandOutcome = { reply: RespReply } | { error: string };

/** Options of `RedisPool`. */
export interface RedisPoolOptions {
  /** `redis://[user:password@]host:port[/db]` of the backend. */
  redisUrl: string;
  /** Shared connections for single commands and pipelines (default 4). */
  size?: number;
  /** Most dedicated connections for transactions at once (default 8); more wait their turn. */
  maxTransactions?: number;
  /** Where backend connection problems are reported (default `console.warn`). */
  warn?: (message: string) => void;
}

/**
 * Connections to one redis-server. Single commands and pipelines are spread round-robin over
 * the shared connections: a pipeline is written in one go on one connection, so its commands
 * run in order, and Redis serves the connections of concurrent requests side by side. A
 * transaction borrows a connection nobody else writes to, because MULTI puts the connection
 * into a queueing state that must not catch another request's commands.
 */
export class RedisPool {
  private readonly shared: Redis[];
  private readonly idleDedicated: Redis[] = [];
  private readonly waiting: Array<{ resolve(conn: Redis): void; reject(error: Error): void }> = [];
  private dedicatedCount = 0;
  private nextShared = 0;
  private closed = false;
  // Nothing is reported before the first connection: `ready()` reports that failure itself.
  private outageReported = true;
  private lastError: Error | undefined;

  constructor(private readonly options: RedisPoolOptions) {
    this.shared = Array.from({ length: options.size ?? 4 }, () => this.connect());
  }

  /** Resolves once the backend answers PING; rejects with a one-line reason otherwise. */
  async ready(): Promise<void> {
    try {
      await this.shared[0]!.callBuffer('PING');
    } catch (error) {
      throw new Error(
        `cannot reach redis at ${redactUrl(this.options.redisUrl)}: ${message(this.lastError ?? error)}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Runs one command; a Redis error comes back as `{error}`, a dead backend throws 503. */
  async single(argv: readonly string[]): Promise<CommandOutcome> {
    const [name, ...args] = argv;
    const conn = this.pickShared();
    try {
      return {
        reply: (await conn.callBuffer(commandName(name!), ...args)) as RespReply,
      };
    } catch (error) {
      return outcomeOfError(error);
    }
  }

  /** Runs commands in order on one connection, each answered on its own (doc §7.1). */
  async pipeline(argvs: ReadonlyArray<readonly string[]>): Promise<CommandOutcome[]> {
    const results = await inOrder(this.pickShared(), argvs);
    return results.map(([error, reply]) =>
      error ? outcomeOfError(error) : { reply: reply as RespReply },
    );
  }

  /**
   * Runs `MULTI`, the commands and `EXEC` on a dedicated connection in one round trip (doc §7.2).
   * Returns one outcome per command, or throws `RestError` (400) when Redis discarded the
   * transaction (`EXECABORT`: a command was rejected while queueing).
   */
  async transaction(argvs: ReadonlyArray<readonly string[]>): Promise<CommandOutcome[]> {
    // A dedicated connection opened while the backend is down would wait for it: fail first.
    this.pickShared();
    const conn = await this.acquireDedicated();
    let clean = false;
    try {
      const results = await inOrder(conn, [['MULTI'], ...argvs, ['EXEC']]);
      const backendError = results.find(([error]) => error && !(error instanceof ReplyError));
      if (backendError) throw unavailable(backendError[0]);
      // Every reply arrived, EXEC included, so the connection is out of MULTI either way.
      clean = true;
      const [execError, execReply] = results[results.length - 1]!;
      if (execError) {
        const queued = results.slice(1, -1).findIndex(([error]) => error);
        const detail =
          queued < 0
            ? ''
            : ` (command ${queued + 1} [ ${argvs[queued]![0]} ]: ${results[queued + 1]![0]!.message})`;
        throw new RestError(400, `${execError.message}${detail}`);
      }
      if (!Array.isArray(execReply)) {
        throw new RestError(400, 'EXECABORT the transaction was aborted');
      }
      return execReply.map((reply: RespReply) =>
        reply instanceof Error ? { error: reply.message } : { reply },
      );
    } finally {
      this.releaseDedicated(conn, clean);
    }
  }

  /** Runs one command with UTF-8 replies, for the server's own bookkeeping (e.g. `COMMAND`). */
  async internal(argv: readonly string[]): Promise<unknown> {
    const [name, ...args] = argv;
    const conn = this.pickShared();
    try {
      return await conn.call(commandName(name!), ...args);
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Closes every connection; pending transactions fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(new RestError(503, 'ERR the server is shutting down'));
    }
    const all = [...this.shared, ...this.idleDedicated];
    this.idleDedicated.length = 0;
    // QUIT on a connection that is down would wait in the offline queue for a reconnect.
    await Promise.all(
      all.map((conn) =>
        conn.status === 'ready' ? conn.quit().catch(() => conn.disconnect()) : conn.disconnect(),
      ),
    );
  }

  private connect(): Redis {
    const conn = new IORedis(this.options.redisUrl, {
      // RESP2 only (no HELLO 3): the client's deserialisers expect RESP2 shapes (doc §5).
      // Integers as strings so 64-bit replies keep every digit.
      stringNumbers: true,
      // A command in flight when the connection dropped may have run: resending could apply an
      // INCR twice. Better to fail it (503) and let the caller decide.
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5_000,
      connectionName: 'upstash-rest',
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    conn.on('error', (error: Error) => {
      this.lastError = error;
      // One line per outage for the whole pool, not one per connection and reconnect attempt;
      // the URL is left out because it may hold a password.
      if (this.outageReported || this.closed) return;
      this.outageReported = true;
      (this.options.warn ?? console.warn)(
        `[redis-rest] backend connection error: ${error.message}`,
      );
    });
    conn.on('ready', () => {
      this.outageReported = false;
    });
    return conn;
  }

  /**
   * The next shared connection that is up. When none is (redis-server crashed or restarts), the
   * request fails at once with 503 instead of waiting in ioredis' offline queue through its
   * reconnect attempts (up to seconds), so that a dead backend looks dead, not hung.
   */
  private pickShared(): Redis {
    for (let i = 0; i < this.shared.length; i++) {
      this.nextShared = (this.nextShared + 1) % this.shared.length;
      const conn = this.shared[this.nextShared]!;
      if (conn.status === 'ready') return conn;
    }
    throw unavailable(this.lastError ?? new Error('no connection to redis is ready'));
  }

  private acquireDedicated(): Promise<Redis> {
    if (this.closed) return Promise.reject(new RestError(503, 'ERR the server is shutting down'));
    const idle = this.idleDedicated.pop();
    if (idle) return Promise.resolve(idle);
    if (this.dedicatedCount < (this.options.maxTransactions ?? 8)) {
      this.dedicatedCount += 1;
      return Promise.resolve(this.connect());
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** A connection whose transaction state is unknown is dropped, never handed out again. */
  private releaseDedicated(conn: Redis, clean: boolean): void {
    if (!clean || this.closed) {
      conn.disconnect();
      if (this.closed) return;
      conn = this.connect();
    }
    const next = this.waiting.shift();
    if (next) next.resolve(conn);
    else this.idleDedicated.push(conn);
  }
}

/**
 * ioredis looks up reply transformers by the exact command name (`hgetall` becomes an object);
 * the upper-case name bypasses them so every reply keeps its RESP2 shape.
 */
function commandName(name: string): string {
  return name.toUpperCase();
}

/**
 * Sends the commands back to back on `conn` (Redis runs them in order, one network round trip)
 * and gives each its `[error, reply]`. An ioredis Pipeline object per request did the same, but
 * in a loop of two-command pipelines through one server it got its replies promoted out of the
 * young generation (about a megabyte per collection, pauses growing to 7 ms), and it cost more
 * CPU per request. (That promotion may well have been the V8 pretenuring found later, which the
 * stack now turns off: see `REST_SERVICE_V8_FLAGS` in local/stack.ts.)
 */
async function inOrder(
  conn: Redis,
  argvs: ReadonlyArray<readonly string[]>,
): Promise<Array<[Error | null, unknown]>> {
  // Corked: the commands leave in one write, not one system call each. (A connection not yet
  // open has no stream; ioredis queues the commands until it is.)
  const stream = conn.stream as Redis['stream'] | undefined;
  stream?.cork();
  let replies;
  try {
    replies = argvs.map(([name, ...args]) => conn.callBuffer(commandName(name!), ...args));
  } finally {
    stream?.uncork();
  }
  const settled = await Promise.allSettled(replies);
  return settled.map((s) =>
    s.status === 'fulfilled' ? [null, s.value] : [asError(s.reason), undefined],
  );
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function outcomeOfError(error: unknown): CommandOutcome {
  if (error instanceof ReplyError) return { error: (error as Error).message };
  throw unavailable(error);
}

function unavailable(error: unknown): RestError {
  return new RestError(503, `ERR redis backend unavailable: ${message(error)}`, { cause: error });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid redis url>';
  }
}
