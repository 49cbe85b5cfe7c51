/** A bounded min-heap keeping the `k` highest-scoring entries seen, for exact scans. */

/** One scored entry; `order` breaks score ties so that results are deterministic. */
export interface Scored<T> {
  item: T;
  score: number;
  order: number;
}

/** Keeps the best `k` entries in O(n log k); `sorted()` returns them best first. */
export class TopK<T> {
  private readonly heap: Scored<T>[] = [];

  constructor(private readonly k: number) {}

  /** Offers an entry; it is kept only if it beats the current worst of a full heap. */
  push(item: T, score: number, order: number): void {
    if (this.k <= 0) return;
    const entry = { item, score, order };
    const heap = this.heap;
    if (heap.length < this.k) {
      heap.push(entry);
      this.siftUp(heap.length - 1);
    } else if (better(entry, heap[0] as Scored<T>)) {
      heap[0] = entry;
      this.siftDown(0);
    }
  }

  get size(): number {
    return this.heap.length;
  }

  /** The kept entries, highest score first (ties: lower `order` first). */
  sorted(): Scored<T>[] {
    return [...this.heap].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!better(heap[parent] as Scored<T>, heap[i] as Scored<T>)) break;
      [heap[parent], heap[i]] = [heap[i] as Scored<T>, heap[parent] as Scored<T>];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < heap.length && better(heap[worst] as Scored<T>, heap[left] as Scored<T>)) {
        worst = left;
      }
      if (right < heap.length && better(heap[worst] as Scored<T>, heap[right] as Scored<T>)) {
        worst = right;
      }
      if (worst === i) return;
      [heap[worst], heap[i]] = [heap[i] as Scored<T>, heap[worst] as Scored<T>];
      i = worst;
    }
  }
}

/** `a` ranks before `b`: higher score, then lower order. */
function better<T>(a: Scored<T>, b: Scored<T>): boolean {
  return a.score > b.score || (a.score === b.score && a.order < b.order);
}
