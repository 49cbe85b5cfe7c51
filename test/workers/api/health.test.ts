import { SELF } from 'cloudflare:test';
import { expect, it } from 'vitest';

it('answers /health inside workerd', async () => {
  const res = await SELF.fetch('http://edge/health');
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
});
