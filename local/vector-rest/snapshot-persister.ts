/**
 * Persistence of a vector store to `<dataDir>/vectors.snapshot`: loaded at start, saved after
 * writes (debounced) and on close. A save writes a temporary file, syncs it and renames it over
 * the previous snapshot, so that a crash leaves either the old or the new state, never a torn one.
 * Next to it, each namespace's HNSW graph is saved under a fresh name that the snapshot references,
 * so that a restart loads the graphs instead of rebuilding them (minutes → a second at 50k).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSnapshot, encodeSnapshot } from './snapshot';
import type { SavedGraph } from './snapshot';
import type { VectorStore } from './vector-store';

const SNAPSHOT_FILE = 'vectors.snapshot';
const GRAPH_FILE = /^hnsw-[0-9a-z]+-\d+\.usearch$/;

/**
 * Loads the snapshot in `dataDir` into `store` (nothing when there is none). Throws when the
 * snapshot belongs to an index of another dimension or similarity, rather than serve it wrongly.
 */
export async function loadSnapshot(store: VectorStore, dataDir: string): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dataDir, SNAPSHOT_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let snapshot: ReturnType<typeof decodeSnapshot>;
  try {
    snapshot = decodeSnapshot(bytes);
  } catch (error) {
    throw new Error(
      `${join(dataDir, SNAPSHOT_FILE)} is not a readable vector snapshot; ` +
        'move it away to start empty (it is left untouched)',
      { cause: error },
    );
  }
  if (snapshot.dimension !== store.dimension || snapshot.similarity !== store.similarity) {
    throw new Error(
      `The vector snapshot in ${dataDir} is for dimension ${snapshot.dimension} ${snapshot.similarity}, ` +
        `but the server is configured for dimension ${store.dimension} ${store.similarity}`,
    );
  }
  let count = 0;
  for (const ns of snapshot.namespaces) {
    let graph: { path: string; slots: number[] } | undefined;
    if (ns.graph !== undefined) {
      const path = join(dataDir, ns.graph.file);
      // usearch crashes the process on a file it did not write; load only the exact bytes saved.
      if ((await digestOf(path)) === ns.graph.sha256) graph = { path, slots: ns.graph.slots };
    }
    store.getOrCreate(ns.name).restore(ns.records, ns.seqs, ns.nextSeq, graph);
    count += ns.records.length;
  }
  return count;
}

/** SHA-256 hex of a file, or undefined when it cannot be read. */
async function digestOf(path: string): Promise<string | undefined> {
  try {
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  } catch {
    return undefined;
  }
}

/** Saves the store some time after it changes, one save at a time. */
export class SnapshotPersister {
  private savedGeneration: number;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private saves = 0;
  /** When the oldest unsaved change happened (for the maximum delay). */
  private firstChangeAt: number | undefined;

  constructor(
    private readonly store: VectorStore,
    private readonly dataDir: string,
    /** Quiet period after the last write before saving. */
    private readonly debounceMs = 500,
    /** Longest a change waits for a save while writes keep coming. */
    private readonly maxDelayMs = 5000,
    private readonly onError: (error: unknown) => void = (error) =>
      console.error('vector-rest: saving the snapshot failed; will retry', error),
  ) {
    this.savedGeneration = store.generation;
  }

  /**
   * Schedules a save `debounceMs` after the last change, but no later than `maxDelayMs` after the
   * first unsaved one: a bulk load saves a few times, not once per request.
   */
  schedule(): void {
    const now = Date.now();
    this.firstChangeAt ??= now;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const delay = Math.min(this.debounceMs, this.firstChangeAt + this.maxDelayMs - now);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.flush().catch((error: unknown) => {
          this.onError(error);
          this.schedule();
        });
      },
      Math.max(0, delay),
    );
  }

  /** Saves now if anything changed since the last save; resolves when it is on disk. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.firstChangeAt = undefined;
    this.saving = this.saving.catch(() => undefined).then(() => this.saveIfChanged());
    return this.saving;
  }

  private async saveIfChanged(): Promise<void> {
    const generation = this.store.generation;
    if (generation === this.savedGeneration) return;
    await mkdir(this.dataDir, { recursive: true });
    // Graphs and records are captured in one synchronous stretch, so they describe one state.
    const saveId = `${Date.now().toString(36)}${(this.saves++).toString(36)}`;
    const graphs = new Map<string, SavedGraph>();
    this.store.names().forEach((name, i) => {
      const file = `hnsw-${saveId}-${i}.usearch`;
      const path = join(this.dataDir, file);
      if (this.store.find(name)?.saveGraph(path)) {
        const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
        graphs.set(name, { file, sha256 });
      }
    });
    const bytes = encodeSnapshot(this.store, graphs);
    const target = join(this.dataDir, SNAPSHOT_FILE);
    const temp = `${target}.tmp-${process.pid}`;
    const file = await open(temp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } catch (error) {
      await file.close();
      await rm(temp, { force: true });
      throw error;
    }
    await file.close();
    await rename(temp, target);
    this.savedGeneration = generation;
    await this.removeGraphsExcept(new Set([...graphs.values()].map((g) => g.file)));
  }

  /** Deletes graph files the current snapshot does not reference (older saves, crashed saves). */
  private async removeGraphsExcept(keep: Set<string>): Promise<void> {
    for (const file of await readdir(this.dataDir)) {
      if (GRAPH_FILE.test(file) && !keep.has(file)) {
        await rm(join(this.dataDir, file), { force: true });
      }
    }
  }
}
