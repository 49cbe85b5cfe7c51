/**
 * A loopback-only HTTP server speaking the Upstash Vector REST protocol
 * (docs/upstash-vector-rest.md), so that the unmodified `@upstash/vector` client works offline
 * against a real HNSW index, optionally persisted to a data directory.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENDPOINTS } from './endpoints';
import { VectorRestError } from './http-error';
import type { AnnOptions } from './namespace-index';
import { ResumableQueries } from './resumable-queries';
import type { SimilarityFunction } from './similarity';
import { SIMILARITY_FUNCTIONS } from './similarity';
import { loadSnapshot, SnapshotPersister } from './snapshot-persister';
import { VectorStore } from './vector-store';

/** Options of `startVectorRestServer`. */
export interface VectorRestServerOptions {
  /** A loopback address; anything else is refused. Default `127.0.0.1`. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** The bearer token clients must send. */
  token: string;
  dimension: number;
  similarity?: SimilarityFunction;
  /** Directory of the snapshot; without it the index lives in memory only. */
  dataDir?: string;
  /** Index name used in upstream-style error messages. Default `local`. */
  name?: string;
  /** Largest accepted request body. Default 32 MiB. */
  maxBodyBytes?: number;
  /** Delay between a write and the snapshot save. Default 250 ms. */
  persistDebounceMs?: number;
  /** HNSW and scan thresholds (see `AnnOptions`). */
  ann?: Partial<AnnOptions>;
}

/** A running server. */
export interface VectorRestServer {
  /** `http://host:port`, ready for `new Index({ url, token })`. */
  url: string;
  port: number;
  /** Number of vectors loaded from the snapshot at start. */
  restoredVectors: number;
  /** Stops accepting requests, saves the snapshot and closes every connection. */
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
const ALLOWED_METHODS = new Set(['POST', 'GET', 'PUT', 'DELETE']);

/** Starts the server; resolves once it listens (and the snapshot, if any, is loaded). */
export async function startVectorRestServer(
  options: VectorRestServerOptions,
): Promise<VectorRestServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`The vector REST server binds to loopback only, not ${host}`);
  }
  const similarity = options.similarity ?? 'COSINE';
  if (!SIMILARITY_FUNCTIONS.includes(similarity)) {
    throw new Error(`Unknown similarity function ${String(similarity)}`);
  }
  if (!Number.isInteger(options.dimension) || options.dimension < 1) {
    throw new Error(`Invalid dimension ${options.dimension}`);
  }
  if (options.token === '') throw new Error('A token is required');

  const store = new VectorStore({
    dimension: options.dimension,
    similarity,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.ann === undefined ? {} : { ann: options.ann }),
  });
  let restoredVectors = 0;
  let persister: SnapshotPersister | undefined;
  if (options.dataDir !== undefined) {
    restoredVectors = await loadSnapshot(store, options.dataDir);
    persister = new SnapshotPersister(store, options.dataDir, options.persistDebounceMs);
  }
  const sessions = new ResumableQueries(store);
  const expectedAuth = digest(`Bearer ${options.token}`);
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only a bug gets here; answer in the protocol's shape and keep serving.
      console.error('vector-rest: unexpected error', error);
      if (!res.headersSent) sendError(res, new VectorRestError(500, 'Internal server error'));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!ALLOWED_METHODS.has(req.method ?? '')) {
        res.setHeader('allow', [...ALLOWED_METHODS].join(', '));
        throw new VectorRestError(405, `Method ${req.method ?? ''} not allowed`);
      }
      if (!authorized(req.headers.authorization, expectedAuth)) {
        throw new VectorRestError(401, 'Unauthorized: Invalid auth token');
      }
      const { endpoint, namespace, params } = route(req.url ?? '/');
      const body = await readJsonBody(req, maxBodyBytes);
      const result = endpoint.handle({ store, sessions, namespace, params, body });
      if (endpoint.mutates) {
        store.markChanged();
        persister?.schedule();
      }
      sendJson(res, 200, { result });
    } catch (error) {
      if (!(error instanceof VectorRestError)) throw error;
      if (error.status === 413) res.setHeader('connection', 'close');
      sendError(res, error);
      // Stop reading an oversized body; the response above tells the client why.
      if (error.status === 413) res.on('finish', () => req.destroy());
    }
  }

  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    restoredVectors,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const forceTimer = setTimeout(() => server.closeAllConnections(), 2000);
        await closed;
        clearTimeout(forceTimer);
        await persister?.flush();
      })();
      return closing;
    },
  };
}

/** Splits `/<endpoint>[/<namespace>][?query]`; the namespace is percent-decoded (§3). */
function route(rawUrl: string) {
  const queryStart = rawUrl.indexOf('?');
  const path = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
  const params = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  const name = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const rawNamespace = slash < 0 ? undefined : trimmed.slice(slash + 1);
  const endpoint = Object.hasOwn(ENDPOINTS, name) ? ENDPOINTS[name] : undefined;
  if (endpoint === undefined || (endpoint.namespace === 'none' && rawNamespace)) {
    throw new VectorRestError(404, `Unknown endpoint ${path}`);
  }
  let namespace = '';
  if (rawNamespace !== undefined) {
    try {
      namespace = decodeURIComponent(rawNamespace);
    } catch {
      throw new VectorRestError(400, 'The namespace in the path is not valid percent-encoding');
    }
  }
  if (endpoint.namespace === 'required' && rawNamespace === undefined) {
    throw new VectorRestError(400, 'A namespace is required in the path');
  }
  return { endpoint, namespace, params };
}

/** Reads and parses the body; an empty body is `undefined`. */
async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Stop buffering but leave the socket open, so that the 413 answer reaches the client.
      req.off('data', onData);
      req.pause();
      reject(tooLarge(maxBytes));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', () => reject(new VectorRestError(400, 'The request body could not be read')));
  });
  const text = bytes.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new VectorRestError(400, 'The request body is not valid JSON');
  }
}

function tooLarge(maxBytes: number): VectorRestError {
  return new VectorRestError(413, `The request body exceeds ${maxBytes} bytes`);
}

/** Constant-time comparison of the Authorization header (digests make lengths equal). */
function authorized(header: string | undefined, expected: Buffer): boolean {
  return header !== undefined && timingSafeEqual(digest(header), expected);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function sendError(res: ServerResponse, error: VectorRestError): void {
  sendJson(res, error.status, { error: error.message, status: error.status });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
