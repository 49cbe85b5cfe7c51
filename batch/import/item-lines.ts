/** JSON lines of catalogue items, each in the shape `POST /v1/items` accepts, validated the same way. */
import { itemInputSchema } from '../../shared/domain/items';
import type { Item } from '../../shared/domain/items';
import type { ImportProblem } from './line-parser';
import { toMillis } from '../../shared/domain/events';

export function parseItemLines(
  lines: Iterable<string>,
  now: number,
): { items: Item[]; problems: ImportProblem[] } {
  const items: Item[] = [];
  const problems: ImportProblem[] = [];
  let n = 0;
  for (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push({ line: n, reason: 'not JSON' });
      continue;
    }
    const parsed = itemInputSchema.safeParse(value);
    if (!parsed.success) {
      problems.push({
        line: n,
        reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
      continue;
    }
    const { createdAt, ...rest } = parsed.data;
    const created = createdAt === undefined ? now : toMillis(createdAt);
    items.push({ ...rest, createdAt: created, updatedAt: created });
  }
  return { items, problems };
}
