import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  DependencyUnavailableError,
  StoreError,
  ValidationError,
} from '../../../shared/errors';
import { toAppError } from '../../../workers/api/middleware/problem';
import { buildOpenApi } from '../../../workers/api/openapi';

describe('error mapping', () => {
  it('keeps AppErrors, turns store failures into 503 and hono exceptions into problems', () => {
    const v = new ValidationError([{ path: 'body.x', message: 'bad' }]);
    expect(toAppError(v)).toBe(v);
    const store = toAppError(new StoreError('redis', 'down'));
    expect(store).toBeInstanceOf(DependencyUnavailableError);
    expect(store.status).toBe(503);
    expect(toAppError(new HTTPException(400, { message: 'Malformed JSON' })).code).toBe(
      'malformed-body',
    );
    const bug = toAppError(new TypeError('x is undefined'));
    expect(bug.status).toBe(500);
    expect(bug.message).not.toContain('undefined');
  });

  it('writes RFC 9457 bodies with a stable type URI and field errors', () => {
    const body = new ValidationError([{ path: 'query.k', message: 'too big' }]).toProblem('/v1/x');
    expect(body).toEqual({
      type: 'https://edgerec.dev/problems/validation-failed',
      title: 'Invalid request',
      status: 400,
      detail: 'The request is invalid.',
      code: 'validation-failed',
      instance: '/v1/x',
      errors: [{ path: 'query.k', message: 'too big' }],
    });
    expect(new AppError('x', 418, 't', 'd').toProblem().type).toBe(
      'https://edgerec.dev/problems/x',
    );
  });
});

describe('OpenAPI document', () => {
  it('declares bearer security with the scope of each operation', () => {
    const doc = buildOpenApi() as {
      paths: Record<
        string,
        Record<string, { security: unknown[]; responses: Record<string, unknown> }>
      >;
    };
    expect(doc.paths['/v1/events']!.post!.security).toEqual([{ bearer: ['write'] }]);
    expect(doc.paths['/health']!.get!.security).toEqual([]);
    expect(Object.keys(doc.paths['/v1/trending']!.get!.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '429']),
    );
  });
});
