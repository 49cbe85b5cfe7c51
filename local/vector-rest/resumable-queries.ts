/**
 * Resumable queries (docs/upstash-vector-rest.md §5.11): a session remembers a query and the ids
 * already returned, so that each `next` continues without repeating a hit. Sessions idle longer
 * than their `maxIdle` expire.
 */
import { randomUUID } from 'node:crypto';
import { VectorRestError } from './http-error';
import type { Hit } from './namespace-index';
import type { QueryCommand } from './request-parsing';
import type { VectorStore } from './vector-store';

interface Session {
  namespace: string;
  query: QueryCommand;
  returned: Set<string>;
  maxIdleMs: number;
  lastUsed: number;
}

/** Caps memory when a client starts sessions and never ends them. */
const MAX_SESSIONS = 1000;

export class ResumableQueries {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly store: VectorStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs the first `topK` of `query` and opens a session. */
  start(
    namespace: string,
    query: QueryCommand,
    maxIdleSeconds: number,
  ): { uuid: string; hits: Hit[] } {
    this.expire();
    if (this.sessions.size >= MAX_SESSIONS) {
      throw new VectorRestError(429, 'Too many active resumable queries');
    }
    const uuid = randomUUID();
    const session: Session = {
      namespace,
      query,
      returned: new Set(),
      maxIdleMs: maxIdleSeconds * 1000,
      lastUsed: this.now(),
    };
    this.sessions.set(uuid, session);
    return { uuid, hits: this.take(session, query.topK) };
  }

  /** The next `additionalK` hits of a session. */
  next(uuid: string, additionalK: number): { session: QueryCommand; hits: Hit[] } {
    this.expire();
    const session = this.sessions.get(uuid);
    if (session === undefined) throw unknownSession(uuid);
    session.lastUsed = this.now();
    return { session: session.query, hits: this.take(session, additionalK) };
  }

  end(uuid: string): void {
    this.expire();
    if (!this.sessions.delete(uuid)) throw unknownSession(uuid);
  }

  private take(session: Session, k: number): Hit[] {
    const ns = this.store.find(session.namespace);
    if (ns === undefined) return [];
    const { vector, filter } = session.query;
    const hits = ns
      .query(vector, session.returned.size + k, filter)
      .filter((hit) => !session.returned.has(hit.record.id))
      .slice(0, k);
    for (const hit of hits) session.returned.add(hit.record.id);
    return hits;
  }

  private expire(): void {
    const now = this.now();
    for (const [uuid, session] of this.sessions) {
      if (now - session.lastUsed > session.maxIdleMs) this.sessions.delete(uuid);
    }
  }
}

function unknownSession(uuid: string): VectorRestError {
  return new VectorRestError(404, `Resumable query ${uuid} does not exist or has expired`);
}
