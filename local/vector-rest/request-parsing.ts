/**
 * Validation of request bodies into typed commands. Every rejection is a `VectorRestError` with
 * the status upstream uses (400 for shape errors, 422 for semantic ones such as the dimension).
 */
import { compileFilter, FilterSyntaxError } from './filter';
import type { FilterPredicate } from './filter';
import { VectorRestError } from './http-error';
import { isPlainObject } from './merge-patch';
import type { RecordChange, RecordInput } from './namespace-index';
import { norm } from './similarity';
import type { NormedVector, SimilarityFunction } from './similarity';

/** What parsing needs to know about the index. */
export interface IndexShape {
  dimension: number;
  similarity: SimilarityFunction;
}

/** Which optional fields a returned record carries. */
export interface IncludeFlags {
  includeMetadata: boolean;
  includeVectors: boolean;
  includeData: boolean;
}

export interface QueryCommand extends IncludeFlags {
  vector: NormedVector;
  topK: number;
  filter?: FilterPredicate;
}

export type FetchCommand = IncludeFlags & ({ ids: string[] } | { prefix: string });

export type DeleteCommand = { ids: string[] } | { prefix: string } | { filter: FilterPredicate };

export interface RangeCommand extends IncludeFlags {
  cursor: number;
  limit: number;
  prefix?: string;
}

export interface UpdateCommand extends RecordChange {
  id: string;
}

export const EMBEDDING_NOT_ALLOWED =
  'Embedding data for this index is not allowed. The index must be created with an embedding model to use it.';

const DEFAULT_TOP_K = 10;

/** `/upsert` body: one record or an array of records, validated as a whole before any is applied. */
export function parseUpsert(body: unknown, shape: IndexShape): RecordInput[] {
  const items = Array.isArray(body) ? body : [body];
  return items.map((item, i) => {
    const where = Array.isArray(body) ? ` (item ${i})` : '';
    const obj = requireObject(item, `Upsert payload${where}`);
    const id = parseId(obj.id, `id${where}`);
    rejectSparse(obj);
    if (obj.vector === undefined) {
      if (obj.data !== undefined) throw new VectorRestError(422, EMBEDDING_NOT_ALLOWED);
      throw new VectorRestError(400, `Vector is missing for id ${id}`);
    }
    const input: RecordInput = { id, values: parseVector(obj.vector, shape).values };
    const metadata = parseMetadata(obj.metadata);
    if (metadata !== undefined) input.metadata = metadata;
    const data = parseData(obj.data);
    if (data !== undefined) input.data = data;
    return input;
  });
}

/** `/query` body: one query object, or an array of them (batch). */
export function parseQueries(
  body: unknown,
  shape: IndexShape,
): { batch: boolean; queries: QueryCommand[] } {
  if (Array.isArray(body)) {
    return { batch: true, queries: body.map((q) => parseQuery(q, shape)) };
  }
  return { batch: false, queries: [parseQuery(body, shape)] };
}

export function parseQuery(body: unknown, shape: IndexShape): QueryCommand {
  const obj = requireObject(body, 'Query');
  rejectSparse(obj);
  if (obj.data !== undefined) throw new VectorRestError(422, EMBEDDING_NOT_ALLOWED);
  if (obj.vector === undefined) throw new VectorRestError(400, 'Query vector is missing');
  const query: QueryCommand = {
    vector: parseVector(obj.vector, shape),
    topK: obj.topK === undefined ? DEFAULT_TOP_K : parsePositiveInt(obj.topK, 'topK'),
    ...parseIncludeFlags(obj),
  };
  const filter = parseFilter(obj.filter);
  if (filter !== undefined) query.filter = filter;
  return query;
}

export function parseFetch(body: unknown): FetchCommand {
  const obj = requireObject(body, 'Fetch payload');
  const flags = parseIncludeFlags(obj);
  const hasIds = obj.ids !== undefined;
  const hasPrefix = obj.prefix !== undefined;
  if (hasIds && hasPrefix) {
    throw new VectorRestError(400, 'Only one of ids or prefix must be provided.');
  }
  if (hasIds) return { ...flags, ids: parseIds(obj.ids) };
  if (hasPrefix) return { ...flags, prefix: requireString(obj.prefix, 'prefix') };
  throw new VectorRestError(400, 'One of ids or prefix must be provided.');
}

export function parseDelete(body: unknown): DeleteCommand {
  const obj = Array.isArray(body) ? { ids: body } : requireObject(body, 'Delete payload');
  // An empty prefix or filter would silently delete everything: treat it as not provided.
  const given = [
    obj.ids !== undefined,
    obj.prefix !== undefined && obj.prefix !== '',
    obj.filter !== undefined && obj.filter !== '',
  ].filter(Boolean).length;
  if (given !== 1) {
    throw new VectorRestError(
      400,
      'Only and only one of the ids, prefix, or filter must be provided.',
    );
  }
  if (obj.ids !== undefined) return { ids: parseIds(obj.ids) };
  if (obj.prefix !== undefined && obj.prefix !== '') {
    return { prefix: requireString(obj.prefix, 'prefix') };
  }
  const filter = parseFilter(obj.filter);
  if (filter === undefined) {
    throw new VectorRestError(
      400,
      'Only and only one of the ids, prefix, or filter must be provided.',
    );
  }
  return { filter };
}

export function parseRange(body: unknown): RangeCommand {
  const obj = requireObject(body, 'Range payload');
  if (obj.limit === undefined) throw new VectorRestError(400, 'limit is required');
  const range: RangeCommand = {
    cursor: parseCursor(obj.cursor),
    limit: parsePositiveInt(obj.limit, 'limit'),
    ...parseIncludeFlags(obj),
  };
  if (obj.prefix !== undefined) range.prefix = requireString(obj.prefix, 'prefix');
  return range;
}

export function parseUpdate(body: unknown, shape: IndexShape): UpdateCommand {
  const obj = requireObject(body, 'Update payload');
  rejectSparse(obj);
  const mode = obj.metadataUpdateMode ?? 'OVERWRITE';
  if (mode !== 'OVERWRITE' && mode !== 'PATCH') {
    throw new VectorRestError(400, 'metadataUpdateMode must be OVERWRITE or PATCH');
  }
  const command: UpdateCommand = { id: parseId(obj.id, 'id'), metadataMode: mode };
  if (obj.vector !== undefined) command.values = parseVector(obj.vector, shape).values;
  if (obj.metadata !== undefined) {
    command.metadata = requireObject(obj.metadata, 'metadata');
  }
  if (obj.data !== undefined) command.data = requireString(obj.data, 'data');
  if (
    command.values === undefined &&
    command.metadata === undefined &&
    command.data === undefined
  ) {
    throw new VectorRestError(400, 'One of vector, metadata or data must be provided.');
  }
  return command;
}

/** `/resumable-query` body: a query plus `maxIdle` seconds. */
export function parseResumableStart(
  body: unknown,
  shape: IndexShape,
): { query: QueryCommand; maxIdleSeconds: number } {
  const obj = requireObject(body, 'Resumable query');
  const maxIdleSeconds =
    obj.maxIdle === undefined ? 3600 : parsePositiveInt(obj.maxIdle, 'maxIdle');
  return { query: parseQuery(obj, shape), maxIdleSeconds };
}

export function parseResumableNext(body: unknown): { uuid: string; additionalK: number } {
  const obj = requireObject(body, 'Resumable query payload');
  return {
    uuid: requireString(obj.uuid, 'uuid'),
    additionalK: parsePositiveInt(obj.additionalK, 'additionalK'),
  };
}

export function parseResumableEnd(body: unknown): { uuid: string } {
  const obj = requireObject(body, 'Resumable query payload');
  return { uuid: requireString(obj.uuid, 'uuid') };
}

// ---------------------------------------------------------------- pieces

function parseVector(value: unknown, shape: IndexShape): NormedVector {
  if (!Array.isArray(value)) throw new VectorRestError(400, 'vector must be an array of numbers');
  const values = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new VectorRestError(400, 'vector must be an array of finite numbers');
    }
    values[i] = x;
  }
  if (values.length !== shape.dimension) {
    throw new VectorRestError(
      422,
      `Invalid vector dimension: ${values.length}, expected: ${shape.dimension}`,
    );
  }
  const n = norm(values);
  if (shape.similarity === 'COSINE' && n === 0) {
    // The cosine of a zero vector is undefined; rejecting it keeps every score in 0…1.
    throw new VectorRestError(
      422,
      'Zero vector is not allowed with the COSINE similarity function',
    );
  }
  return { values, norm: n };
}

function parseId(value: unknown, what: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return value;
  throw new VectorRestError(400, `${what} must be a non-empty string or a number`);
}

function parseIds(value: unknown): string[] {
  if (!Array.isArray(value)) throw new VectorRestError(400, 'ids must be an array');
  return value.map((id) => parseId(id, 'id'));
}

function parseMetadata(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  return requireObject(value, 'metadata');
}

function parseData(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return requireString(value, 'data');
}

function parseFilter(value: unknown): FilterPredicate | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new VectorRestError(400, 'Invalid filter. Not a string');
  try {
    return compileFilter(value);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new VectorRestError(400, error.message);
    throw error;
  }
}

function parseIncludeFlags(obj: Record<string, unknown>): IncludeFlags {
  return {
    includeMetadata: parseFlag(obj.includeMetadata, 'includeMetadata'),
    includeVectors: parseFlag(obj.includeVectors, 'includeVectors'),
    includeData: parseFlag(obj.includeData, 'includeData'),
  };
}

function parseFlag(value: unknown, what: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new VectorRestError(400, `${what} must be a boolean`);
  return value;
}

/** `"0"`, `0` and `""` mean "from the start"; otherwise a non-negative position. */
function parseCursor(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new VectorRestError(400, 'cursor must be a non-negative integer or its decimal string');
  }
  return n;
}

function parsePositiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new VectorRestError(400, `${what} must be a positive integer`);
  }
  return value;
}

function rejectSparse(obj: Record<string, unknown>): void {
  if (obj.sparseVector !== undefined) {
    throw new VectorRestError(422, 'Sparse vectors are not supported by this dense index');
  }
}

function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new VectorRestError(400, `${what} must be a JSON object`);
  return value;
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new VectorRestError(400, `${what} must be a string`);
  return value;
}
