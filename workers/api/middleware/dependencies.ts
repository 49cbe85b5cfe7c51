/** Middleware: puts the dependencies built from `env` (composition root) on the context. */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, ApiBindings, Deps } from '../app-env';
import { dependenciesFor } from '../deps';

export interface DependenciesOptions {
  /** Builds the dependencies (default: the composition root). */
  build?: (env: ApiBindings) => Deps;
}

export function dependencies(options: DependenciesOptions = {}): MiddlewareHandler<AppEnv> {
  const build = options.build ?? dependenciesFor;
  return async function dependenciesMiddleware(c, next) {
    c.set('deps', build(c.env));
    await next();
  };
}
