/**
 * A generic event CSV with a header row naming its columns: `userId` and `itemId` (required),
 * `type` (default `view`), `value`, `timestamp` (ms, seconds — told apart by magnitude — or ISO
 * 8601), `sessionId`, `id`. Each row is validated like an API event.
 */
import { eventInputSchema, type EventInput } from '../../shared/domain/events';
import { csvFields } from './csv-fields';
import type { EventFormat } from './line-parser';
import { normalizeEvent } from './normalize-event';

/** Unix times below this are taken as seconds (it is 2001-09-09 in ms, 33658 AD in seconds). */
const SECONDS_BELOW = 1e12;

/** A timestamp cell: ms, seconds, or ISO 8601. */
export function parseTimestamp(cell: string): number | string | undefined {
  const text = cell.trim();
  if (text === '') return undefined;
  const n = Number(text);
  if (Number.isFinite(n)) return Math.round(n < SECONDS_BELOW ? n * 1000 : n);
  return text;
}

/** `fileKey`: see `normalizeEvent`'s `lineKey` (default: one key per import time). */
export function genericCsv(defaultTime: number, fileKey = `import@${defaultTime}`): EventFormat {
  return {
    hasHeader: true,
    begin: (header) => {
      const columns = csvFields(header ?? '').map((c) =>
        c.trim().toLowerCase().replace(/[_-]/g, ''),
      );
      const at = (...names: string[]) =>
        names.map((n) => columns.indexOf(n)).find((i) => i >= 0) ?? -1;
      const col = {
        id: at('id', 'eventid'),
        user: at('userid', 'user'),
        item: at('itemid', 'item'),
        type: at('type', 'eventtype'),
        value: at('value', 'rating'),
        time: at('timestamp', 'time'),
        session: at('sessionid', 'session'),
      };
      if (col.user < 0 || col.item < 0) throw new Error('CSV needs userId and itemId columns');
      return (line, lineNumber) => {
        const f = csvFields(line);
        const cell = (i: number) => (i >= 0 ? (f[i] ?? '').trim() : '');
        const input: Record<string, unknown> = {
          userId: cell(col.user),
          itemId: cell(col.item),
          type: cell(col.type) || 'view',
        };
        if (cell(col.id)) input.id = cell(col.id);
        if (cell(col.value)) input.value = Number(cell(col.value));
        const time = parseTimestamp(cell(col.time));
        if (time !== undefined) input.timestamp = time;
        if (cell(col.session)) input.sessionId = cell(col.session);
        const parsed = eventInputSchema.safeParse(input);
        if (!parsed.success)
          return {
            skip: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          };
        const lineKey = `${fileKey}:${lineNumber}`;
        return { event: normalizeEvent(parsed.data as EventInput, defaultTime, lineKey) };
      };
    },
  };
}
