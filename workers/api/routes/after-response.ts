/** Work that runs after the answer (`ctx.waitUntil`), or inline where there is no execution context. */
import type { Context } from 'hono';

export function runAfterResponse(c: Context, task: () => Promise<unknown>): void {
  const guarded = task().catch((error: unknown) => {
    console.error(`[edgerec-api] background task failed: ${(error as Error).message}`);
  });
  try {
    c.executionCtx.waitUntil(guarded);
  } catch {
    // `app.request()` in tests has no ExecutionContext; the promise still runs to completion.
  }
}
