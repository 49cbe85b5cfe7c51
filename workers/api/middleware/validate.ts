/** Middleware: validates one part of the request with a zod schema; failures are 400 problems. */
import type { MiddlewareHandler, ValidationTargets } from 'hono';
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { ValidationError, type FieldError } from '../../../shared/errors';

/** What a typed client sends: the schema's input for JSON, strings (optional as in the schema) otherwise. */
type ClientInput<T, I> = T extends 'json' ? I : { [K in keyof I]: string | string[] };

/**
 * Validates `target` (json, query, param) against `schema` and passes the parsed value on. For a
 * union, `branch` may pick the member the value means, so that errors name that member's fields;
 * the types (and the typed client) still follow `schema`.
 */
export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(
  target: T,
  schema: S,
  branch?: (value: unknown) => z.ZodType,
): MiddlewareHandler<
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the app's Env is applied by the route
  any,
  string,
  {
    in: { [K in T]: ClientInput<T, z.input<S>> };
    out: { [K in T]: z.output<S> };
  }
> {
  return validator(target, (value) => {
    const result = (branch ? branch(value) : schema).safeParse(value);
    if (!result.success) {
      throw new ValidationError(
        zodFieldErrors(result.error, target),
        `The request ${target === 'json' ? 'body' : target} is invalid.`,
      );
    }
    return result.data as z.output<S>;
  }) as never;
}

/** One `{path, message}` per zod issue; `path` is dotted and starts at the request part. */
export function zodFieldErrors(error: z.ZodError, target: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [target === 'json' ? 'body' : target, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}
