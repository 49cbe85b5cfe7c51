/** Ids of batch runs; a run writes the version with the same id, so the two can never be confused. */

/**
 * `YYYYMMDD-HHMMSS-xxxxxx`: sorts by start time, safe inside Redis keys (no `:`), KV keys (no `/`)
 * and vector namespace names; six random hex digits keep two runs started in one second apart.
 */
export function newRunId(now: number): string {
  const iso = new Date(now).toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  const random = crypto.getRandomValues(new Uint8Array(3));
  return `${stamp}-${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
