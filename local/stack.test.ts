import { describe, expect, it } from 'vitest';
import { passThroughSettings } from './stack';

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
