/**
 * Catalogue routes: create (one item, or a batch of up to 1,000), read, replace, delete items; and
 * `GET /v1/items/{itemId}/similar`.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { requireScope } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { validate } from '../middleware/validate';
import {
  itemFieldsSchema,
  itemPathSchema,
  itemsPostBranch,
  itemsPostSchema,
  similarQuerySchema,
} from '../schemas';
import {
  createItem,
  deleteItem,
  readItem,
  replaceItem,
  writeItems,
} from '../services/catalogue-service';
import { similarItems } from '../services/lists-service';

export const itemRoutes = new Hono<AppEnv>()
  .post(
    '/',
    requireScope('write'),
    rateLimit(),
    validate('json', itemsPostSchema, itemsPostBranch),
    async (c) => {
      const body = c.req.valid('json');
      if ('items' in body) {
        const writes = body.items.map(({ itemId, ...fields }) => ({ itemId, fields }));
        const written = await writeItems(c.get('deps'), writes, body.onExisting, Date.now());
        const count = (outcome: string) =>
          written.items.filter((i) => i.outcome === outcome).length;
        return c.json(
          {
            modelVersion: written.modelVersion,
            created: count('created'),
            replaced: count('replaced'),
            existing: count('existing'),
            items: written.items.map((i) => ({
              itemId: i.item.itemId,
              outcome: i.outcome,
              provisionalVector: i.provisionalVector,
            })),
          },
          200,
        );
      }
      const { itemId, ...fields } = body;
      const written = await createItem(c.get('deps'), itemId, fields, Date.now());
      return c.json(written, 201);
    },
  )
  .get(
    '/:itemId',
    requireScope('read'),
    rateLimit({ alongside: true }),
    validate('param', itemPathSchema),
    async (c) => {
      const item = await readItem(c.get('deps'), c.req.valid('param').itemId);
      // Read after write: a PUT must show in the next GET.
      c.header('Cache-Control', 'no-store');
      return c.json(item, 200);
    },
  )
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
    rateLimit({ alongside: true }),
    validate('param', itemPathSchema),
    validate('query', similarQuerySchema),
    async (c) => {
      const { itemId } = c.req.valid('param');
      const { k, category, exclude } = c.req.valid('query');
      const answer = await similarItems(c.get('deps'), itemId, {
        k,
        ...(category === undefined ? {} : { category }),
        exclude,
      });
      c.header('Cache-Control', 'private, max-age=30');
      c.header('Vary', 'Authorization');
      return c.json({ itemId, ...answer }, 200);
    },
  );
