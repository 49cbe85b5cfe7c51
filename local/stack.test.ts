import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isPortFree } from './ports';
import { allocateStackPorts, DEFAULT_PORTS, passThroughSettings } from './stack';

describe('passThroughSettings', () => {
  it('passes the worker settings of shared/config.ts and nothing else', () => {
    const settings = passThroughSettings({
      EDGEREC_REALTIME: 'off',
      EDGEREC_DIMS: '32',
      // Written by the stack itself, never taken from the shell.
      EDGEREC_API_KEYS: '[]',
      EDGEREC_ENV: 'production',
      // Settings of the stack, not of the workers.
      EDGEREC_API_PORT: '9000',
      EDGEREC_STATE_DIR: '/tmp/x',
      UPSTASH_REDIS_REST_URL: 'https://example.upstash.io',
      PATH: '/usr/bin',
    });
    expect(settings).toEqual({ EDGEREC_REALTIME: 'off', EDGEREC_DIMS: '32' });
  });
});

describe('allocateStackPorts', () => {
  it("gives four distinct free ports below the kernel's ephemeral range, none of those avoided", async () => {
    const avoid = [20000, 20001, 20002];
    const ports = Object.values(await allocateStackPorts(avoid));
    expect(new Set(ports).size).toBe(4);
    for (const port of ports) {
      expect(avoid).not.toContain(port);
      expect(Object.values(DEFAULT_PORTS)).not.toContain(port);
      expect(await isPortFree(port)).toBe(true);
    }
    const range = '/proc/sys/net/ipv4/ip_local_port_range';
    if (existsSync(range)) {
      const low = Number(readFileSync(range, 'utf8').split(/\s/)[0]);
      if (low > 21000) for (const port of ports) expect(port).toBeLessThan(low);
    }
  });
});
