import { exports } from 'cloudflare:workers';
import { expect, it } from 'vitest';

const call = (path: string, init?: RequestInit) =>
  exports.default.fetch(`http://batch${path}`, init);

it('answers /health, and problem+json for unknown routes and invalid run requests', async () => {
  const health = await call('/health');
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });

  const missing = await call('/nope');
  expect(missing.status).toBe(404);
  expect(missing.headers.get('content-type')).toBe('application/problem+json');
  expect(((await missing.json()) as { type: string }).type).toBe('not-found');

  for (const body of ['{not json', JSON.stringify({ dims: 1 }), JSON.stringify({ extra: true })]) {
    const bad = await call('/runs', { method: 'POST', body });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { type: string }).type).toBe('invalid-body');
  }

  const unknownRun = await call('/runs/does-not-exist');
  expect(unknownRun.status).toBe(404);
  expect(((await unknownRun.json()) as { type: string }).type).toBe('run-not-found');
});
