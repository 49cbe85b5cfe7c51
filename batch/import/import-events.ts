/** Streams an event file into the event log: lines parsed one by one, appended in overlapping batches. */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { StoredEvent } from '../../shared/domain/events';
import type { EventLog } from '../../shared/ports/event-log';
import { EventLineReader, type EventFormat, type ImportProblem } from './line-parser';

export interface ImportOptions {
  /** Events per append call (the adapter splits them into requests of 1,000). */
  batch?: number;
  /** Append calls in flight at once: the next lines parse while the servers work. */
  inFlight?: number;
  onProgress?: (bytesRead: number, bytesTotal: number) => void;
}

export interface ImportReport {
  events: number;
  skipped: number;
  problems: ImportProblem[];
  ms: number;
}

/** Appends `events` in batches with up to `inFlight` appends running at once. */
export class OverlappingAppender {
  appended = 0;
  private buffer: StoredEvent[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly log: EventLog,
    private readonly batch = 10_000,
    private readonly inFlight = 4,
    private readonly onAppended?: () => void,
  ) {}

  async push(event: StoredEvent): Promise<void> {
    this.buffer.push(event);
    if (this.buffer.length >= this.batch) await this.flush();
  }

  async close(): Promise<void> {
    if (this.buffer.length > 0) await this.flush();
    await Promise.all(this.running);
  }

  private async flush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    const task = this.log.append(batch).then(() => {
      this.appended += batch.length;
      this.onAppended?.();
    });
    this.running.add(task);
    void task.finally(() => this.running.delete(task)).catch(() => undefined);
    // A failed append rejects here (or in close), so the import stops at the first failure.
    if (this.running.size >= this.inFlight) await Promise.race(this.running);
  }
}

export async function importEventFile(
  log: EventLog,
  format: EventFormat,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const input = createReadStream(path);
  const size = statSync(path).size;
  const reader = new EventLineReader(format);
  const appender = new OverlappingAppender(log, options.batch, options.inFlight, () =>
    options.onProgress?.(input.bytesRead, size),
  );
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const event = reader.read(line);
    if (event) await appender.push(event);
  }
  await appender.close();
  options.onProgress?.(size, size);
  return {
    events: appender.appended,
    skipped: reader.skipped,
    problems: reader.problems,
    ms: performance.now() - started,
  };
}
