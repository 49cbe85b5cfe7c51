/** Middleware: refuses bodies over `EDGEREC_BODY_LIMIT_BYTES` with a 413 problem. */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError } from '../../../shared/errors';
import type { AppEnv } from '../app-env';

export function limitBody(): MiddlewareHandler<AppEnv> {
  return async function bodyLimitMiddleware(c, next) {
    const maxSize = c.get('deps').config.EDGEREC_BODY_LIMIT_BYTES;
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new PayloadTooLargeError(maxSize);
      },
    })(c, next);
  };
}
