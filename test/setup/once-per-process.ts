/** Starts a test server once per process even when several vitest projects run the same global setup. */

type Shared = { users: number; started: Promise<() => Promise<void>> };

/**
 * Runs `start` the first time `name` is asked for in this process and counts the callers; the
 * returned stop function stops the server when the last caller has stopped. A failed start is
 * forgotten so that a later caller tries again.
 */
export async function startOncePerProcess(
  name: string,
  start: () => Promise<() => Promise<void>>,
): Promise<() => Promise<void>> {
  const key = Symbol.for(`edgerec.test.${name}`);
  const registry = globalThis as { [key: symbol]: Shared | undefined };
  const shared = (registry[key] ??= { users: 0, started: start() });
  shared.users += 1;
  try {
    await shared.started;
  } catch (error) {
    delete registry[key];
    throw error;
  }
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete registry[key];
    await (
      await shared.started
    )();
  };
}
