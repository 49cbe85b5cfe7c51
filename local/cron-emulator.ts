/**
 * Stands in for the batch worker's cron trigger on the local stack: `wrangler dev` never fires
 * scheduled events by itself, so the stack asks for a run through `POST /v1/admin/batch` on a timer,
 * the same path an operator would use. Production uses the real `[triggers] crons` of
 * batch/wrangler.toml instead.
 */

export interface CronEmulatorOptions {
  apiUrl: string;
  adminKey: string;
  intervalMs: number;
  log: (message: string) => void;
}

/** Starts the timer; returns the function that stops it. */
export function startCronEmulator(options: CronEmulatorOptions): () => void {
  const tick = async () => {
    try {
      const response = await fetch(new URL('/v1/admin/batch', options.apiUrl), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.adminKey}`,
          'content-type': 'application/json',
        },
        body: '{}',
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json().catch(() => ({}))) as { runId?: string; title?: string };
      if (response.ok) options.log(`cron: batch run ${body.runId ?? '?'} started`);
      else options.log(`cron: batch not started (${response.status} ${body.title ?? ''})`.trim());
    } catch (error) {
      options.log(`cron: batch request failed: ${(error as Error).message}`);
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs);
  // The timer alone must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
