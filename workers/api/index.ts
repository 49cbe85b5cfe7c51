/** The edge API worker: the entry object around the Hono app (composition root in ./deps.ts). */
import type { ApiBindings } from './app-env';
import { createApp } from './app';

const app = createApp();

export default {
  fetch(request, env, ctx) {
    return app.fetch(request, env as ApiBindings, ctx);
  },
} satisfies ExportedHandler<Env>;
