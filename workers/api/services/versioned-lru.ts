/**
 * Values of one served version, kept in isolate memory by key: a version's outputs never change
 * once written, so a value read once stays right for as long as its version is served. Bounded by
 * an estimate of the heap the values take; the least recently used go first, and values of a new
 * version replace all of the old one's.
 */
export class VersionedLru<V> {
  private version: string | null = null;
  /** Insertion order is recency: a hit moves its entry to the end. */
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private bytes = 0;

  /**
   * `maxBytes`: the estimated heap the values may take. `onDrop` hears of each value that leaves
   * (evicted, replaced, or gone with its version).
   */
  constructor(
    private readonly maxBytes: number,
    private readonly onDrop: (key: string, value: V) => void = () => {},
  ) {}

  /** The entry of `key` in `version` (its value may itself be null), or undefined when not held. */
  get(version: string, key: string): { value: V } | undefined {
    if (version !== this.version) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * Keeps `value` (an estimated `bytes` of heap) under `key` in `version`; false when it alone is
   * over the bound and is not kept.
   */
  set(version: string, key: string, value: V, bytes: number): boolean {
    if (version !== this.version) {
      for (const [k, entry] of this.entries) this.onDrop(k, entry.value);
      this.entries.clear();
      this.bytes = 0;
      this.version = version;
    }
    if (bytes > this.maxBytes) return false;
    this.delete(key);
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const k of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(k);
    }
    return true;
  }

  /** Forgets the value of `key` (replaced, evicted or erased), whichever version holds it. */
  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    this.onDrop(key, entry.value);
  }

  /** Whether any value of `version` is held. */
  holds(version: string): boolean {
    return version === this.version && this.entries.size > 0;
  }

  /** Values held (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }
}
