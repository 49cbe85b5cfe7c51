/**
 * The endpoint table of the Upstash Vector REST protocol (docs/upstash-vector-rest.md §2): each
 * endpoint validates its body, runs against the store and returns the value sent as `result`.
 */
import { VectorRestError } from './http-error';
import type { Hit, StoredRecord } from './namespace-index';
import {
  EMBEDDING_NOT_ALLOWED,
  parseDelete,
  parseFetch,
  parseQueries,
  parseRange,
  parseResumableEnd,
  parseResumableNext,
  parseResumableStart,
  parseUpdate,
  parseUpsert,
} from './request-parsing';
import type { IncludeFlags } from './request-parsing';
import type { ResumableQueries } from './resumable-queries';
import { wireScore } from './similarity';
import type { VectorStore } from './vector-store';

/** What a handler sees of one request. */
export interface EndpointContext {
  store: VectorStore;
  sessions: ResumableQueries;
  /** The percent-decoded path segment after the endpoint (`""` = default namespace). */
  namespace: string;
  params: URLSearchParams;
  body: unknown;
}

export interface Endpoint {
  /** `none`: a namespace segment makes the path unknown; `required`: it must be present. */
  namespace: 'optional' | 'required' | 'none';
  /** Whether a successful call changes state that persistence must save. */
  mutates: boolean;
  handle(ctx: EndpointContext): unknown;
}

/** Every endpoint the local server speaks, by its first path segment. */
export const ENDPOINTS: Record<string, Endpoint> = {
  upsert: {
    namespace: 'optional',
    mutates: true,
    handle({ store, namespace, body }) {
      const inputs = parseUpsert(body, store);
      if (inputs.length > 0) store.getOrCreate(namespace).upsert(inputs);
      return 'Success';
    },
  },
  'upsert-data': embeddingEndpoint(),
  query: {
    namespace: 'optional',
    mutates: false,
    handle({ store, namespace, body }) {
      const { batch, queries } = parseQueries(body, store);
      const ns = store.find(namespace);
      const results = queries.map((q) =>
        (ns?.query(q.vector, q.topK, q.filter) ?? []).map((hit) => hitToWire(hit, q)),
      );
      // Always nested for a batch, even of one query: the client unwraps either form.
      return batch ? results : results[0];
    },
  },
  'query-data': embeddingEndpoint(),
  fetch: {
    namespace: 'optional',
    mutates: false,
    handle({ store, namespace, body }) {
      const command = parseFetch(body);
      const ns = store.find(namespace);
      if ('ids' in command) {
        return command.ids.map((id) => {
          const record = ns?.get(id);
          return record === undefined ? null : recordToWire(record, command);
        });
      }
      const found: unknown[] = [];
      if (ns !== undefined) {
        for (const record of ns.inOrder()) {
          if (record.id.startsWith(command.prefix)) found.push(recordToWire(record, command));
        }
      }
      return found;
    },
  },
  delete: {
    namespace: 'optional',
    mutates: true,
    handle({ store, namespace, body }) {
      const command = parseDelete(body);
      const ns = store.find(namespace);
      if (ns === undefined) return { deleted: 0 };
      if ('ids' in command) return { deleted: ns.delete(command.ids) };
      if ('prefix' in command) {
        return { deleted: ns.deleteWhere((r) => r.id.startsWith(command.prefix)) };
      }
      return { deleted: ns.deleteWhere((r) => command.filter(r.metadata)) };
    },
  },
  range: {
    namespace: 'optional',
    mutates: false,
    handle({ store, namespace, body }) {
      const command = parseRange(body);
      const ns = store.find(namespace);
      if (ns === undefined) return { nextCursor: '', vectors: [] };
      const page = ns.range(command.cursor, command.limit, command.prefix);
      return {
        nextCursor: page.next === undefined ? '' : String(page.next),
        vectors: page.records.map((r) => recordToWire(r, command)),
      };
    },
  },
  update: {
    namespace: 'optional',
    mutates: true,
    handle({ store, namespace, body }) {
      const { id, ...change } = parseUpdate(body, store);
      const updated = store.find(namespace)?.update(id, change) ?? false;
      return { updated: updated ? 1 : 0 };
    },
  },
  reset: {
    namespace: 'optional',
    mutates: true,
    handle({ store, namespace, params }) {
      if (params.has('all')) store.resetAll();
      else store.reset(namespace);
      return 'Success';
    },
  },
  info: {
    namespace: 'none',
    mutates: false,
    handle: ({ store }) => store.info(),
  },
  'list-namespaces': {
    namespace: 'none',
    mutates: false,
    handle: ({ store }) => store.names(),
  },
  'delete-namespace': {
    namespace: 'required',
    mutates: true,
    handle({ store, namespace }) {
      store.deleteNamespace(namespace);
      return 'Success';
    },
  },
  'resumable-query': {
    namespace: 'optional',
    mutates: false,
    handle({ store, sessions, namespace, body }) {
      const { query, maxIdleSeconds } = parseResumableStart(body, store);
      const { uuid, hits } = sessions.start(namespace, query, maxIdleSeconds);
      return { uuid, scores: hits.map((hit) => hitToWire(hit, query)) };
    },
  },
  'resumable-query-data': embeddingEndpoint(),
  'resumable-query-next': {
    namespace: 'none',
    mutates: false,
    handle({ sessions, body }) {
      const { uuid, additionalK } = parseResumableNext(body);
      const { session, hits } = sessions.next(uuid, additionalK);
      return hits.map((hit) => hitToWire(hit, session));
    },
  },
  'resumable-query-end': {
    namespace: 'none',
    mutates: false,
    handle({ sessions, body }) {
      sessions.end(parseResumableEnd(body).uuid);
      return 'Success';
    },
  },
};

/** Embedding endpoints need a model upstream; a local dense index has none (§5.2). */
function embeddingEndpoint(): Endpoint {
  return {
    namespace: 'optional',
    mutates: false,
    handle() {
      throw new VectorRestError(422, EMBEDDING_NOT_ALLOWED);
    },
  };
}

/**
 * A record as returned by fetch/range: `vector`, `metadata` and `data` only when requested and
 * present (the omission rule of §4). Vectors are the original float64 values.
 */
function recordToWire(record: StoredRecord, flags: IncludeFlags): Record<string, unknown> {
  const out: Record<string, unknown> = { id: record.id };
  addIncluded(out, record, flags);
  return out;
}

function hitToWire(hit: Hit, flags: IncludeFlags): Record<string, unknown> {
  const out: Record<string, unknown> = { id: hit.record.id, score: wireScore(hit.score) };
  addIncluded(out, hit.record, flags);
  return out;
}

function addIncluded(out: Record<string, unknown>, record: StoredRecord, flags: IncludeFlags) {
  if (flags.includeVectors) out.vector = Array.from(record.values);
  if (flags.includeMetadata && record.metadata !== undefined) out.metadata = record.metadata;
  if (flags.includeData && record.data !== undefined) out.data = record.data;
}
