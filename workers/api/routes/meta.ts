/** `GET /openapi.json` and `GET /docs` (public). */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { DOCS_PAGE } from '../docs-page';
import { buildOpenApi } from '../openapi';

let document: Record<string, unknown> | null = null;

export const metaRoutes = new Hono<AppEnv>()
  .get('/openapi.json', (c) => {
    document ??= buildOpenApi();
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(document, 200);
  })
  .get('/docs', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    c.header(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
    );
    return c.html(DOCS_PAGE);
  });
