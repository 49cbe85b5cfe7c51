/** The end-of-run summary of the command line: one row per stage, then the run's figures. */
import type { BatchRunReport } from '../shared/domain/batch';

/** Lays out rows as a text table with left-aligned columns. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const formatDetail = (detail: Record<string, number | string> | undefined) =>
  Object.entries(detail ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/** The summary printed at the end of `npm run batch`. */
export function renderSummary(report: BatchRunReport): string {
  const rows = [['stage', 'ms', 'detail']];
  for (const s of report.stages)
    rows.push([s.name, String(Math.round(s.ms)), formatDetail(s.detail)]);
  const lines = [table(rows), ''];
  lines.push(`run ${report.runId}: ${report.state}`);
  if (report.data) {
    const d = report.data;
    lines.push(
      `data: ${d.events} events, ${d.users} users, ${d.items} items, ${d.nonZeros} non-zeros`,
    );
  }
  if (report.hyperParameters)
    lines.push(`hyper-parameters: ${formatDetail(report.hyperParameters)}`);
  if (report.metrics) {
    const m = report.metrics;
    lines.push(
      `validation@${m.k}: nDCG ${m.ndcg.toFixed(4)}  precision ${m.precision.toFixed(4)}  ` +
        `recall ${m.recall.toFixed(4)}  MAP ${m.map.toFixed(4)}  coverage ${m.coverage.toFixed(4)}  (${m.users} users)`,
    );
  }
  if (report.finishedAt) lines.push(`total: ${report.finishedAt - report.startedAt} ms`);
  if (report.error) lines.push(`error: ${report.error}`);
  return lines.join('\n');
}
