/** Loopback ports of the local stack: checking that a port is free, and finding a free one. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Resolves true if `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** A port the kernel reports free on 127.0.0.1 (for listeners nobody needs to know in advance). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** The first of the kernel's ephemeral ports (handed to port-0 listeners and outgoing connections). */
function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s/)[0],
    );
    if (low > 0) return low;
  } catch {
    // Not Linux: the IANA dynamic range.
  }
  return 49152;
}

/** Where `stablePorts` draws from, up to the ephemeral range. */
const STABLE_LOW = 20000;

/**
 * `count` distinct ports free on 127.0.0.1 now, none in `avoid`, drawn below the kernel's
 * ephemeral range: such a port stays free between this check and a server's bind unless another
 * program binds it on purpose (another stack allocating at the same moment could draw the same
 * one: one chance in thousands), while a port-0 port, once released, may be handed to any outgoing
 * connection or port-0 listener in between (a test stack once failed to start so, with "Address
 * already in use"). Where the ephemeral range leaves no room below it, port 0's ports.
 */
export async function stablePorts(count: number, avoid: Iterable<number> = []): Promise<number[]> {
  const room = ephemeralLow() - STABLE_LOW;
  const taken = new Set(avoid);
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    const port =
      room > 1000 && tries < 1000
        ? STABLE_LOW + Math.floor(Math.random() * room)
        : await freeLoopbackPort();
    if (taken.has(port)) continue;
    taken.add(port);
    if (await isPortFree(port)) ports.push(port);
  }
  return ports;
}
