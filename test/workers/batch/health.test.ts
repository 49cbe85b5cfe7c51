import { SELF } from 'cloudflare:test';
import { expect, it } from 'vitest';

it('batch worker answers inside workerd', async () => {
  const res = await SELF.fetch('http://batch/');
  expect(res.status).toBe(200);
});
