import { describe, expect, it } from 'vitest';
import { clientWithKey } from './api-client';

const anon = clientWithKey('');

const PUBLIC_API: [string, string][] = [
  ['post', '/v1/events'],
  ['post', '/v1/items'],
  ['get', '/v1/items/{itemId}'],
  ['put', '/v1/items/{itemId}'],
  ['delete', '/v1/items/{itemId}'],
  ['get', '/v1/users/{userId}/recommendations'],
  ['post', '/v1/users/{userId}/rank'],
  ['get', '/v1/items/{itemId}/similar'],
  ['delete', '/v1/users/{userId}'],
  ['get', '/v1/trending'],
  ['post', '/v1/admin/batch'],
  ['get', '/v1/admin/batch/{runId}'],
  ['get', '/v1/admin/status'],
  ['post', '/v1/admin/rollback'],
  ['get', '/v1/admin/promotions'],
  ['put', '/v1/admin/promotions/{promotionId}'],
  ['delete', '/v1/admin/promotions/{promotionId}'],
  ['get', '/health'],
  ['get', '/openapi.json'],
  ['get', '/docs'],
];

describe('GET /openapi.json', () => {
  it('documents every route of the public API from the zod schemas', async () => {
    const res = await anon['openapi.json'].$get();
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { parameters: { name: string; in: string }[]; requestBody?: unknown; 'x-scope'?: string }
        >
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const [method, path] of PUBLIC_API)
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    const recs = doc.paths['/v1/users/{userId}/recommendations']!.get!;
    expect(recs['x-scope']).toBe('read');
    expect(recs.parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:userId',
      'query:k',
      'query:offset',
      'query:category',
      'query:exclude',
      'query:sessionId',
      'query:diversity',
      'query:explain',
    ]);
    const events = doc.paths['/v1/events']!.post!.requestBody as {
      content: { 'application/json': { schema: { properties: { events: { maxItems: number } } } } };
    };
    expect(events.content['application/json'].schema.properties.events.maxItems).toBe(1000);
    expect(
      doc.paths['/v1/events']!.post!.parameters.map((p) => ({ in: p.in, name: p.name })),
    ).toEqual([{ in: 'header', name: 'Idempotency-Key' }]);
  });
});

describe('GET /docs', () => {
  it('is a self-contained page: no script, style or font from elsewhere', async () => {
    const res = await anon.docs.$get();
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain("fetch('openapi.json')");
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
  });
});
