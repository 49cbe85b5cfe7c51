/**
 * The binary snapshot of a vector store: a JSON header (ids, positions, metadata, data per
 * namespace) followed by one little-endian block of vectors per namespace. Vectors are stored as
 * float32 when every value of the namespace is exactly a float32 (half the size), else float64,
 * so that a restart returns exactly the values that were upserted.
 */
import { endianness } from 'node:os';
import type { RecordInput } from './namespace-index';
import { SIMILARITY_FUNCTIONS } from './similarity';
import type { SimilarityFunction } from './similarity';
import type { VectorStore } from './vector-store';

const MAGIC = 'EVS1';
const FORMAT_VERSION = 1;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

interface NamespaceHeader {
  name: string;
  nextSeq: number;
  count: number;
  precision: 32 | 64;
  ids: string[];
  seqs: number[];
  /** usearch key of each record in `graph`. */
  slots: number[];
  /** The HNSW graph saved with this snapshot: file name (in the data directory) and SHA-256. */
  graph?: SavedGraph;
  /** `null` for a record without metadata (metadata itself is never JSON null). */
  metadata: (Record<string, unknown> | null)[];
  data: (string | null)[];
}

interface SnapshotHeader {
  version: number;
  dimension: number;
  similarity: SimilarityFunction;
  namespaces: NamespaceHeader[];
}

/** A graph file written next to the snapshot; the digest guards usearch from foreign bytes. */
export interface SavedGraph {
  file: string;
  sha256: string;
}

/** A decoded snapshot, ready for `NamespaceIndex.restore`. */
export interface DecodedSnapshot {
  dimension: number;
  similarity: SimilarityFunction;
  namespaces: {
    name: string;
    nextSeq: number;
    records: RecordInput[];
    seqs: number[];
    graph?: SavedGraph & { slots: number[] };
  }[];
}

/** Thrown for a file that is not a snapshot of this format (it is left untouched on disk). */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

/**
 * Serialises the store synchronously, so that the snapshot is one consistent state. `graphs`
 * names the HNSW file saved (in the same tick) for each namespace that has one.
 */
export function encodeSnapshot(store: VectorStore, graphs = new Map<string, SavedGraph>()): Buffer {
  const dim = store.dimension;
  const header: SnapshotHeader = {
    version: FORMAT_VERSION,
    dimension: dim,
    similarity: store.similarity,
    namespaces: [],
  };
  const blocks: Buffer[] = [];
  for (const name of store.names()) {
    const ns = store.find(name);
    if (ns === undefined) continue;
    const records = [...ns.inOrder()];
    const exactInFloat32 = records.every((r) => r.values.every((x) => Math.fround(x) === x));
    const values = exactInFloat32
      ? new Float32Array(records.length * dim)
      : new Float64Array(records.length * dim);
    records.forEach((r, i) => values.set(r.values, i * dim));
    blocks.push(toLittleEndian(values));
    const graph = graphs.get(name);
    header.namespaces.push({
      name,
      nextSeq: ns.sequence,
      count: records.length,
      precision: exactInFloat32 ? 32 : 64,
      ids: records.map((r) => r.id),
      seqs: records.map((r) => r.seq),
      slots: records.map((r) => r.slot),
      ...(graph === undefined ? {} : { graph }),
      metadata: records.map((r) => r.metadata ?? null),
      data: records.map((r) => r.data ?? null),
    });
  }
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length, 4);
  return Buffer.concat([prefix, headerBytes, ...blocks]);
}

/** Parses a snapshot; throws `SnapshotFormatError` when the bytes are not a valid one. */
export function decodeSnapshot(bytes: Buffer): DecodedSnapshot {
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) {
    throw new SnapshotFormatError('not a vector snapshot (bad magic)');
  }
  const headerLength = bytes.readUInt32LE(4);
  if (8 + headerLength > bytes.length) throw new SnapshotFormatError('truncated header');
  let header: SnapshotHeader;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as SnapshotHeader;
  } catch (error) {
    throw new SnapshotFormatError('unreadable header', { cause: error });
  }
  if (header.version !== FORMAT_VERSION || !SIMILARITY_FUNCTIONS.includes(header.similarity)) {
    throw new SnapshotFormatError(`unsupported snapshot version ${header.version}`);
  }
  const dim = header.dimension;
  let offset = 8 + headerLength;
  const namespaces = header.namespaces.map((ns) => {
    const bytesPerValue = ns.precision / 8;
    const length = ns.count * dim * bytesPerValue;
    if (offset + length > bytes.length) {
      throw new SnapshotFormatError(`truncated vectors of namespace "${ns.name}"`);
    }
    const block = fromLittleEndian(bytes.subarray(offset, offset + length), ns.precision);
    offset += length;
    const records = ns.ids.map((id, i) => {
      const record: RecordInput = {
        id,
        values: Float64Array.from(block.subarray(i * dim, (i + 1) * dim)),
      };
      const metadata = ns.metadata[i];
      if (metadata !== null && metadata !== undefined) record.metadata = metadata;
      const data = ns.data[i];
      if (data !== null && data !== undefined) record.data = data;
      return record;
    });
    return {
      name: ns.name,
      nextSeq: ns.nextSeq,
      records,
      seqs: ns.seqs,
      ...(ns.graph === undefined ? {} : { graph: { ...ns.graph, slots: ns.slots } }),
    };
  });
  if (offset !== bytes.length) throw new SnapshotFormatError('trailing bytes after the vectors');
  return { dimension: dim, similarity: header.similarity, namespaces };
}

function toLittleEndian(values: Float32Array | Float64Array): Buffer {
  const buf = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  if (LITTLE_ENDIAN_HOST) return buf;
  const copy = Buffer.from(buf);
  return values instanceof Float32Array ? copy.swap32() : copy.swap64();
}

function fromLittleEndian(bytes: Buffer, precision: 32 | 64): Float32Array | Float64Array {
  // Copy into a fresh, aligned buffer: the slice of the file may start at any byte offset.
  const copy = Buffer.alloc(bytes.length);
  bytes.copy(copy);
  if (!LITTLE_ENDIAN_HOST) {
    if (precision === 32) copy.swap32();
    else copy.swap64();
  }
  const aligned = copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.byteLength);
  return precision === 32 ? new Float32Array(aligned) : new Float64Array(aligned);
}
