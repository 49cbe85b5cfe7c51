/** The edge API worker: composition root and entry object. */
import { Hono } from 'hono';

const app = new Hono<{ Bindings: Env }>();
app.get('/health', (c) => c.json({ status: 'ok' }));

export default app satisfies ExportedHandler<Env>;
