/** The shape every import format has: one line in, one event (or a reason to skip it) out. */
import type { StoredEvent } from '../../shared/domain/events';

/** A line that could not be turned into an event, with its 1-based line number. */
export interface ImportProblem {
  line: number;
  reason: string;
}

export type LineResult = { event: StoredEvent } | { skip: string } | null;

/**
 * Parses the lines of an event file. `header` sees the first line and returns the per-line
 * parser (formats with a header row read their columns from it); blank lines yield null.
 */
export interface EventFormat {
  /** True when the first line is a header (consumed by `begin`). */
  hasHeader: boolean;
  /** `lineNumber`: 1-based, counting the header (what problems report). */
  begin(header: string | null): (line: string, lineNumber: number) => LineResult;
}

/** Feeds lines to a format one at a time (streaming), counting skipped lines and keeping problems. */
export class EventLineReader {
  readonly problems: ImportProblem[] = [];
  skipped = 0;
  private line = 0;
  private parse: ((line: string, lineNumber: number) => LineResult) | null = null;

  constructor(
    private readonly format: EventFormat,
    private readonly maxProblems = 20,
  ) {}

  /** The event of one line, or null (header, blank or skipped line). */
  read(raw: string): StoredEvent | null {
    this.line++;
    const line = raw.replace(/\r$/, '');
    if (this.parse === null) {
      this.parse = this.format.begin(this.format.hasHeader ? line : null);
      if (this.format.hasHeader) return null;
    }
    if (line.trim() === '') return null;
    const result = this.parse(line, this.line);
    if (result === null) return null;
    if ('event' in result) return result.event;
    this.skipped++;
    if (this.problems.length < this.maxProblems)
      this.problems.push({ line: this.line, reason: result.skip });
    return null;
  }
}

/** Runs a format over all lines at once (tests and small files). */
export function parseEventLines(
  format: EventFormat,
  lines: Iterable<string>,
  maxProblems = 20,
): { events: StoredEvent[]; problems: ImportProblem[]; skipped: number } {
  const reader = new EventLineReader(format, maxProblems);
  const events: StoredEvent[] = [];
  for (const line of lines) {
    const event = reader.read(line);
    if (event) events.push(event);
  }
  return { events, problems: reader.problems, skipped: reader.skipped };
}
