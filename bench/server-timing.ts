/** Parses the `Server-Timing` response header (W3C Server Timing) into named metrics. */

/** One metric of a `Server-Timing` header. */
export interface ServerTimingMetric {
  name: string;
  /** Milliseconds, when the metric carries `dur`. */
  dur?: number;
  desc?: string;
}

/**
 * Parses `name;dur=1.2;desc="x", other;dur=3` into metrics. Unknown parameters are ignored and a
 * malformed `dur` is left out rather than guessed, as the specification asks of user agents.
 */
export function parseServerTiming(header: string | null | undefined): ServerTimingMetric[] {
  if (!header) return [];
  const out: ServerTimingMetric[] = [];
  for (const entry of splitOutsideQuotes(header, ',')) {
    const [rawName, ...params] = splitOutsideQuotes(entry, ';').map((p) => p.trim());
    if (!rawName) continue;
    const metric: ServerTimingMetric = { name: rawName };
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      let value = param.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
        value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      }
      if (key === 'dur' && metric.dur === undefined) {
        const dur = Number(value);
        if (value !== '' && Number.isFinite(dur)) metric.dur = dur;
      } else if (key === 'desc' && metric.desc === undefined) {
        metric.desc = value;
      }
    }
    out.push(metric);
  }
  return out;
}

/** Splits on `separator` except inside double-quoted strings (which may contain escaped quotes). */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted && ch === '\\' && i + 1 < text.length) {
      current += ch + (text[++i] as string);
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}
