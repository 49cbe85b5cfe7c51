/** A loopback HTTP server speaking the Upstash Redis REST protocol in front of a real redis-server. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TextDecoder } from 'node:util';
import {
  buildCommandTable,
  readOnlyRefusalOf,
  refusalOf,
  type CommandTable,
} from './command-policy';
import { errorJson, resultJson } from './encode-reply';
import { parseBatchBody, parseSingleBody, type ParsedCommand } from './parse-body';
import { RedisPool, type CommandOutcome } from './redis-pool';
import { RestError } from './rest-error';

/** Options of `startRedisRestServer`. */
export interface RedisRestServerOptions {
  /** Loopback address to listen on (default `127.0.0.1`); anything else is refused. */
  host?: string;
  /** TCP port; 0 picks a free one (see `url`). */
  port: number;
  /** Bearer token with full access. */
  token: string;
  /** Optional bearer token that may only run commands Redis does not flag as writes. */
  readOnlyToken?: string;
  /** `redis://...` of the backend redis-server. */
  redisUrl: string;
  /** Path prefix of the base URL, e.g. `/redis` for `http://127.0.0.1:8079/redis` (default none). */
  basePath?: string;
  /** Largest accepted request body in bytes (default 10 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Shared backend connections (default 4). */
  poolSize?: number;
  /** Where backend connection problems are reported (default `console.warn`). */
  warn?: (message: string) => void;
  /**
   * File to which every authenticated request is appended as one JSON line, `{endpoint, base64,
   * body}`, in arrival order, for replaying a run's traffic (`bench/redis-rest-gc.ts`). Tokens are
   * never written; bodies are, so keep the file local. Default: no recording.
   */
  recordTo?: string;
}

/** A running REST server. */
export interface RedisRestServer {
  /** Base URL for the client, e.g. `http://127.0.0.1:8079`. */
  url: string;
  /** The bound socket address (loopback only). */
  address: AddressInfo;
  /** Stops listening, drops open HTTP connections and closes the backend connections. */
  close(): Promise<void>;
}

type Access = 'full' | 'read-only';
type Endpoint = 'single' | 'pipeline' | 'multi-exec';

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;
const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/**
 * Starts the server and resolves once it listens and the backend answers PING.
 *
 * Endpoints (all `POST`, doc §2): `<base>` and `<base>/` (one command), `<base>/pipeline`,
 * `<base>/multi-exec`. Auth by `Authorization: Bearer <token>` or the `_token` query parameter.
 * Not implemented: Pub/Sub over SSE (`/subscribe`, `/psubscribe`, `/monitor` answer 501) and
 * path-style commands (any other path is 404). Refused commands: see `command-policy.ts`.
 */
export async function startRedisRestServer(
  options: RedisRestServerOptions,
): Promise<RedisRestServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) {
    throw new Error(`the Redis REST server binds to loopback only, not to ${host}`);
  }
  if (!options.token) throw new Error('the Redis REST server needs a non-empty token');
  const pool = new RedisPool({
    redisUrl: options.redisUrl,
    ...(options.poolSize === undefined ? {} : { size: options.poolSize }),
    ...(options.warn === undefined ? {} : { warn: options.warn }),
  });
  let recording: WriteStream | undefined;
  try {
    await pool.ready();
    if (options.recordTo) recording = await openRecording(options.recordTo, options.warn);
  } catch (error) {
    await pool.close();
    throw error;
  }
  const handler = new RequestHandler(pool, options, recording);
  const server = createServer((req, res) => {
    // handle() answers every failure itself; this only catches a failure to write that answer.
    handler.handle(req, res).catch(() => res.destroy());
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) {
      socket.end(
        'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":"ERR malformed HTTP request"}',
      );
    } else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await pool.close();
    throw error;
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostInUrl}:${address.port}${normaliseBase(options.basePath)}`,
    address,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
      if (recording) await new Promise((resolve) => recording.end(resolve));
    },
  };
}

/** Routing, auth, body limits and the three command endpoints. */
class RequestHandler {
  private syncToken = 0;
  private commandTable: Promise<CommandTable> | undefined;
  private readonly base: string;
  private readonly tokenDigest: Buffer;
  private readonly readOnlyDigest: Buffer | undefined;
  private readonly maxBodyBytes: number;

  constructor(
    private readonly pool: RedisPool,
    options: RedisRestServerOptions,
    private readonly recording: WriteStream | undefined,
  ) {
    this.base = normaliseBase(options.basePath);
    this.tokenDigest = digest(options.token);
    this.readOnlyDigest = options.readOnlyToken ? digest(options.readOnlyToken) : undefined;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Answers one HTTP request; every failure becomes a JSON error body, never a crash. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const endpoint = this.route(url.pathname);
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        throw new RestError(405, `ERR method ${req.method} is not allowed: send POST`);
      }
      const access = this.authenticate(req, url);
      const body = await readBody(req, this.maxBodyBytes);
      const base64 = (req.headers['upstash-encoding'] ?? '').toString().toLowerCase() === 'base64';
      this.recording?.write(`${JSON.stringify({ endpoint, base64, body })}\n`);
      const json = await this.run(endpoint, body, access, base64);
      res.writeHead(200, { ...JSON_HEADERS, 'upstash-sync-token': String(++this.syncToken) });
      res.end(json);
    } catch (error) {
      const status = error instanceof RestError ? error.status : 500;
      const text = error instanceof RestError ? error.message : `ERR internal error: ${error}`;
      if (!(error instanceof RestError)) console.error('[redis-rest] unexpected error', error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Node drains an unread body after the response to keep the connection; for a body far
      // over the limit it is cheaper to close the connection.
      if (status === 413 && !req.complete) res.setHeader('connection', 'close');
      res.writeHead(status, JSON_HEADERS);
      res.end(errorJson(text));
    }
  }

  private route(pathname: string): Endpoint {
    if (pathname === this.base || pathname === `${this.base}/`) {
      return 'single';
    }
    if (pathname.startsWith(`${this.base}/`)) {
      const rest = pathname.slice(this.base.length + 1).replace(/\/$/, '');
      if (rest === 'pipeline') return 'pipeline';
      if (rest === 'multi-exec') return 'multi-exec';
      if (rest === 'monitor' || /^p?subscribe\//.test(rest)) {
        throw new RestError(
          501,
          'ERR Pub/Sub and MONITOR over server-sent events are not supported by the local Redis REST server',
        );
      }
    }
    throw new RestError(
      404,
      `ERR unknown path ${pathname}: use POST <base>, <base>/pipeline or <base>/multi-exec`,
    );
  }

  private authenticate(req: IncomingMessage, url: URL): Access {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = match ? match[1]!.trim() : url.searchParams.get('_token');
    if (given) {
      const givenDigest = digest(given);
      // Compare digests so the comparison time says nothing about the token.
      if (timingSafeEqual(givenDigest, this.tokenDigest)) return 'full';
      if (this.readOnlyDigest && timingSafeEqual(givenDigest, this.readOnlyDigest)) {
        return 'read-only';
      }
    }
    throw new RestError(401, 'Unauthorized');
  }

  private async run(endpoint: Endpoint, body: string, access: Access, base64: boolean) {
    // Read-only requests are checked against the running Redis's command flags.
    const readOnly = access === 'read-only' ? await this.loadCommandTable() : undefined;
    if (endpoint === 'single') {
      const outcome = await this.runSingle(parseSingleBody(body), readOnly);
      if ('error' in outcome) throw new RestError(400, outcome.error);
      return resultJson(outcome.reply, base64);
    }
    const commands = parseBatchBody(body);
    const outcomes =
      endpoint === 'pipeline'
        ? await this.runPipeline(commands, readOnly)
        : await this.runTransaction(commands, readOnly);
    return `[${outcomes.map((o) => ('error' in o ? errorJson(o.error) : resultJson(o.reply, base64))).join(',')}]`;
  }

  private async runSingle(
    command: ParsedCommand,
    readOnly: CommandTable | undefined,
  ): Promise<CommandOutcome> {
    const admitted = this.admit(command, readOnly);
    return 'error' in admitted ? admitted : this.pool.single(admitted.argv);
  }

  /** Refused commands answer in their own slot; the others still run, in order (doc §7.1). */
  private async runPipeline(
    commands: ParsedCommand[],
    readOnly: CommandTable | undefined,
  ): Promise<CommandOutcome[]> {
    const outcomes: CommandOutcome[] = [];
    const runnable: string[][] = [];
    const slots: number[] = [];
    for (const [i, command] of commands.entries()) {
      const admitted = this.admit(command, readOnly);
      if ('error' in admitted) outcomes[i] = admitted;
      else {
        runnable.push(admitted.argv);
        slots.push(i);
      }
    }
    if (runnable.length > 0) {
      (await this.pool.pipeline(runnable)).forEach((outcome, j) => {
        outcomes[slots[j]!] = outcome;
      });
    }
    return outcomes;
  }

  /** A refused command discards the whole transaction before anything is sent (doc §7.2). */
  private async runTransaction(commands: ParsedCommand[], readOnly: CommandTable | undefined) {
    const argvs: string[][] = [];
    for (const [i, command] of commands.entries()) {
      const admitted = this.admit(command, readOnly);
      if ('error' in admitted) {
        throw new RestError(
          400,
          `EXECABORT Transaction discarded because of previous errors. (command ${i + 1}: ${admitted.error})`,
        );
      }
      argvs.push(admitted.argv);
    }
    return this.pool.transaction(argvs);
  }

  /** The command as it may run, or the error it is answered with instead. */
  private admit(command: ParsedCommand, readOnly: CommandTable | undefined): ParsedCommand {
    if ('error' in command) return command;
    const refused =
      refusalOf(command.argv) ?? (readOnly ? readOnlyRefusalOf(command.argv, readOnly) : null);
    return refused ? { error: refused } : command;
  }

  /** Loaded on the first read-only request, from the running Redis (`COMMAND`). */
  private loadCommandTable(): Promise<CommandTable> {
    this.commandTable ??= this.pool.internal(['COMMAND']).then(buildCommandTable);
    this.commandTable.catch(() => {
      this.commandTable = undefined;
    });
    return this.commandTable;
  }
}

/**
 * Reads the body as UTF-8 text. Over `limit` bytes the rest is read and dropped (so the client
 * sees the 413 instead of a reset) unless it goes on past four times the limit.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => new RestError(413, `ERR the request body is larger than ${limit} bytes`);
    if (declared > limit * 4) {
      reject(tooLarge());
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit * 4) req.destroy();
    });
    req.on('end', () => {
      if (size > limit) return reject(tooLarge());
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, size)));
      } catch {
        reject(new RestError(400, 'ERR the request body is not valid UTF-8'));
      }
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) {
        reject(size > limit ? tooLarge() : new RestError(400, 'ERR the request body was cut off'));
      }
    });
  });
}

/**
 * The recording file, opened (or created) before the server listens so that a bad path fails the
 * start. A later write error is reported once and ends the recording, never the server.
 */
async function openRecording(
  path: string,
  warn: (message: string) => void = console.warn,
): Promise<WriteStream> {
  const stream = createWriteStream(path, { flags: 'a' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error) =>
      reject(new Error(`cannot record requests to ${path}: ${error.message}`, { cause: error })),
    );
  });
  stream.on('error', (error) => warn(`[redis-rest] recording stopped: ${error.message}`));
  return stream;
}

function normaliseBase(basePath: string | undefined): string {
  if (!basePath) return '';
  const trimmed = basePath.replace(/\/+$/, '');
  return trimmed === '' ? '' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
