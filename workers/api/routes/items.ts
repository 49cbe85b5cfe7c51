/** Catalogue routes: create, replace, delete items; and `GET /v1/items/{itemId}/similar`. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { requireScope } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { validate } from '../middleware/validate';
import { itemFieldsSchema, itemInputSchema, itemPathSchema, similarQuerySchema } from '../schemas';
import { createItem, deleteItem, replaceItem } from '../services/catalogue-service';
import { similarItems } from '../services/lists-service';

export const itemRoutes = new Hono<AppEnv>()
  .post('/', requireScope('write'), rateLimit(), validate('json', itemInputSchema), async (c) => {
    const { itemId, ...fields } = c.req.valid('json');
    const written = await createItem(c.get('deps'), itemId, fields, Date.now());
    return c.json(written, 201);
  })
  .put(
    '/:itemId',
    requireScope('write'),
    rateLimit(),
    validate('param', itemPathSchema),
    validate('json', itemFieldsSchema),
    async (c) => {
      const { itemId } = c.req.valid('param');
      const written = await replaceItem(c.get('deps'), itemId, c.req.valid('json'), Date.now());
      return c.json(written, 200);
    },
  )
  .delete(
    '/:itemId',
    requireScope('write'),
    rateLimit(),
    validate('param', itemPathSchema),
    async (c) => {
      await deleteItem(c.get('deps'), c.req.valid('param').itemId, Date.now());
      return c.body(null, 204);
    },
  )
  .get(
    '/:itemId/similar',
    requireScope('read'),
    rateLimit(),
    validate('param', itemPathSchema),
    validate('query', similarQuerySchema),
    async (c) => {
      const { itemId } = c.req.valid('param');
      const answer = await similarItems(c.get('deps'), itemId, c.req.valid('query').k);
      c.header('Cache-Control', 'private, max-age=30');
      c.header('Vary', 'Authorization');
      return c.json({ itemId, ...answer }, 200);
    },
  );
