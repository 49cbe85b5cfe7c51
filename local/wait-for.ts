/** Polling until a part of the local stack answers, with a deadline and an early way out. */

export interface WaitOptions {
  /** What is awaited, for the timeout message (e.g. `the API worker on :8787`). */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Checked before every attempt: a non-null message aborts the wait (e.g. the process exited). */
  failure?: () => string | null;
}

/** Calls `check` until it resolves true; throws on timeout or when `failure` reports a problem. */
export async function waitFor(check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const failure = options.failure?.();
    if (failure !== null && failure !== undefined) throw new Error(failure);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${options.what} did not answer within ${Math.round(options.timeoutMs / 1000)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

/** True when `fetch(url, init)` answers with a 2xx status within `timeoutMs`. */
export async function answersOk(
  url: string,
  init: RequestInit = {},
  timeoutMs = 2_000,
): Promise<boolean> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  await response.arrayBuffer();
  return response.ok;
}
