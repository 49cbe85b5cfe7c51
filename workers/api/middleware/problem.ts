/** The central error handler and the 404 handler: every error becomes application/problem+json. */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  AppError,
  DependencyUnavailableError,
  InternalError,
  MalformedBodyError,
  NotFoundError,
  PayloadTooLargeError,
  StoreError,
} from '../../../shared/errors';
import type { AppEnv } from '../app-env';

/** The problem response of `error`. */
export function problemResponse(c: Context, error: AppError): Response {
  const body = error.toProblem(new URL(c.req.url).pathname);
  const headers = new Headers({
    'Content-Type': 'application/problem+json',
    'Cache-Control': 'no-store',
  });
  for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
  // Keep what middleware already set (CORS, rate-limit headers) on the error answer too.
  c.res.headers.forEach((value, name) => {
    if (!headers.has(name) && name.toLowerCase() !== 'content-type') headers.set(name, value);
  });
  return new Response(JSON.stringify(body), { status: error.status, headers });
}

/** Maps any thrown value onto the `AppError` family (hono's own exceptions included). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof StoreError) {
    return new DependencyUnavailableError(
      error.store,
      `The ${error.store} store is unavailable.`,
      error,
    );
  }
  if (error instanceof HTTPException) {
    if (error.status === 413) return new PayloadTooLargeError(0);
    if (error.status === 400) return new MalformedBodyError(error.message, error);
    if (error.status === 404) return new NotFoundError(error.message);
    return new AppError('http-error', error.status, 'Request failed', error.message, {
      cause: error,
    });
  }
  return new InternalError(error);
}

export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const appError = toAppError(error);
  if (appError.status >= 500) {
    // Message and code only: no request bodies, keys or tokens in logs.
    const cause = appError instanceof InternalError ? error : appError.cause;
    console.error(
      `[edgerec-api] ${appError.code}: ${(cause as Error)?.message ?? appError.message}`,
    );
  }
  return problemResponse(c, appError);
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(
    c,
    new NotFoundError(`No route for ${c.req.method} ${new URL(c.req.url).pathname}.`),
  );
