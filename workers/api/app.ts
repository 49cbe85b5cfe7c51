/** The Hono app: middleware per concern, routes per resource, one error handler. */
import { Hono } from 'hono';
import type { AppEnv } from './app-env';
import { limitBody } from './middleware/body-limit';
import { corsFromConfig } from './middleware/cors';
import { dependencies, type DependenciesOptions } from './middleware/dependencies';
import { notFound, onError } from './middleware/problem';
import { adminRoutes } from './routes/admin';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { itemRoutes } from './routes/items';
import { metaRoutes } from './routes/meta';
import { recommendationRoutes } from './routes/recommendations';
import { trendingRoutes } from './routes/trending';

/** Builds the app; tests pass their own dependency builder or call it with other bindings. */
export function createApp(options: DependenciesOptions = {}) {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound(notFound);
  app.use('*', dependencies(options));
  app.use('/v1/*', corsFromConfig(), limitBody());
  return app
    .route('/health', healthRoutes)
    .route('/', metaRoutes)
    .route('/v1/events', eventRoutes)
    .route('/v1/items', itemRoutes)
    .route('/v1/users', recommendationRoutes)
    .route('/v1/trending', trendingRoutes)
    .route('/v1/admin', adminRoutes);
}

/** The app's type, for `hono/client`. */
export type AppType = ReturnType<typeof createApp>;
