/** Collects per-stage durations of one request and formats them as a `Server-Timing` header. */
export class StageTimings {
  private readonly entries: { name: string; ms: number; desc?: string }[] = [];
  private readonly start: number;

  constructor(private readonly now: () => number) {
    this.start = now();
  }

  add(name: string, ms: number, desc?: string): void {
    this.entries.push({ name, ms, ...(desc === undefined ? {} : { desc }) });
  }

  /** Runs a synchronous stage and records its duration. */
  measure<T>(name: string, run: () => T): T {
    const t0 = this.now();
    const value = run();
    this.add(name, this.now() - t0);
    return value;
  }

  /** The header value, with a final `total`. */
  header(): string {
    const all = [...this.entries, { name: 'total', ms: this.now() - this.start }];
    return all
      .map((e) => {
        const desc = 'desc' in e && e.desc ? `;desc="${e.desc}"` : '';
        return `${e.name}${desc};dur=${e.ms.toFixed(1)}`;
      })
      .join(', ');
  }
}
