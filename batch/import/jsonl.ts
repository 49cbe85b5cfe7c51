/** JSON Lines: one event per line in the shape `POST /v1/events` accepts, validated the same way. */
import { eventInputSchema } from '../../shared/domain/events';
import type { EventFormat } from './line-parser';
import { normalizeEvent } from './normalize-event';

/** `fileKey`: see `normalizeEvent`'s `lineKey` (default: one key per import time). */
export function jsonLines(defaultTime: number, fileKey = `import@${defaultTime}`): EventFormat {
  return {
    hasHeader: false,
    begin: () => (line, lineNumber) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return { skip: 'not JSON' };
      }
      const parsed = eventInputSchema.safeParse(value);
      if (!parsed.success) {
        return {
          skip: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        };
      }
      return { event: normalizeEvent(parsed.data, defaultTime, `${fileKey}:${lineNumber}`) };
    },
  };
}
