/**
 * CPU profiles of a worker in workerd through the V8 inspector Miniflare serves (`inspectorPort`):
 * start sampling, stop, and the functions that took the most CPU (self time), for finding where a
 * request's CPU goes in the runtime a deployed Worker has.
 */
import WebSocket from 'ws';

/** A V8 `Profiler.Profile` (the `.cpuprofile` format DevTools opens). */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** A running profile of the worker named `worker`; `stop` ends it and returns the profile. */
export async function startCpuProfile(
  inspectorPort: number,
  worker: string,
  samplingIntervalUs = 100,
): Promise<{ stop(): Promise<CpuProfile> }> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
    title?: string;
    id?: string;
    webSocketDebuggerUrl: string;
  }[];
  const target = targets.find((t) => t.title?.includes(worker) || t.id?.includes(worker));
  if (!target) {
    throw new Error(`no inspector target for ${worker}: ${targets.map((t) => t.title).join(', ')}`);
  }
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await send('Profiler.start');
  return {
    async stop() {
      const { profile } = (await send('Profiler.stop')) as { profile: CpuProfile };
      socket.close();
      return profile;
    },
  };
}

/**
 * Each function's (name, file, line) share of the samples that were not `(idle)`, most first.
 * Shares only: workerd does not mark the time it waits for I/O as idle, so the samples cover wall
 * time, not CPU time (the process's CPU is in /proc).
 */
export function selfShares(profile: CpuProfile): { name: string; share: number }[] {
  const byName = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || !node.hitCount) continue;
    const file = url.slice(url.lastIndexOf('/') + 1);
    const name = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`;
    byName.set(name, (byName.get(name) ?? 0) + node.hitCount);
    busy += node.hitCount;
  }
  return [...byName]
    .map(([name, hits]) => ({ name, share: hits / Math.max(1, busy) }))
    .sort((a, b) => b.share - a.share);
}
