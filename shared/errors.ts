/** The application's error family: a stable `code`, an HTTP status and an RFC 9457 problem body. */

/** Base URI of the problem `type`s; each code is documented at `<base><code>`. */
export const PROBLEM_BASE = 'https://edgerec.dev/problems/';

/** One invalid field of a request (`path` in dotted form, e.g. `events.3.userId`). */
export interface FieldError {
  path: string;
  message: string;
}

/** RFC 9457 problem details as the API writes them. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Base class: every error the API answers with on purpose is an `AppError`. */
export class AppError extends Error {
  constructor(
    /** Stable machine-readable code; also the last segment of the problem `type`. */
    readonly code: string,
    readonly status: number,
    readonly title: string,
    detail: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.headers = options?.headers ?? {};
  }

  /** Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  /** The problem body; subclasses add extension members. */
  toProblem(instance?: string): ProblemDetails {
    return {
      type: PROBLEM_BASE + this.code,
      title: this.title,
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(instance === undefined ? {} : { instance }),
    };
  }
}

/** 400: the request body, query or path failed validation. */
export class ValidationError extends AppError {
  constructor(
    readonly errors: FieldError[],
    detail = 'The request is invalid.',
  ) {
    super('validation-failed', 400, 'Invalid request', detail);
  }

  override toProblem(instance?: string): ProblemDetails {
    return { ...super.toProblem(instance), errors: this.errors };
  }
}

/** 400: the body is not JSON. */
export class MalformedBodyError extends AppError {
  constructor(detail: string, cause?: unknown) {
    super('malformed-body', 400, 'Malformed request body', detail, { cause });
  }
}

/** 401: no API key, or an unknown one. */
export class UnauthorizedError extends AppError {
  constructor(detail = 'A valid API key is required: `Authorization: Bearer <key>`.') {
    super('unauthorized', 401, 'Unauthorized', detail, {
      headers: { 'WWW-Authenticate': 'Bearer realm="edgerec"' },
    });
  }
}

/** 403: the key is valid but lacks the scope the route needs. */
export class ForbiddenError extends AppError {
  constructor(readonly requiredScope: string) {
    super(
      'forbidden',
      403,
      'Forbidden',
      `This route needs an API key with the "${requiredScope}" scope.`,
    );
  }
}

/** 404: an unknown route or resource. */
export class NotFoundError extends AppError {
  constructor(detail: string) {
    super('not-found', 404, 'Not found', detail);
  }
}

/** 409: the request conflicts with the current state (e.g. creating an item that exists). */
export class ConflictError extends AppError {
  constructor(detail: string) {
    super('conflict', 409, 'Conflict', detail);
  }
}

/** 413: the body is larger than the limit. */
export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super('payload-too-large', 413, 'Payload too large', `The body exceeds ${limitBytes} bytes.`);
  }
}

/** 429: the key's rate limit is exhausted. */
export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(
      'rate-limited',
      429,
      'Too many requests',
      'The rate limit of this API key is exhausted.',
      {
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      },
    );
  }
}

/** 503: a dependency the request cannot do without is unavailable. */
export class DependencyUnavailableError extends AppError {
  constructor(
    readonly dependency: string,
    detail: string,
    cause?: unknown,
  ) {
    super('dependency-unavailable', 503, 'Service unavailable', detail, {
      cause,
      headers: { 'Retry-After': '5' },
    });
  }

  override toProblem(instance?: string): ProblemDetails {
    return { ...super.toProblem(instance), dependency: this.dependency };
  }
}

/**
 * 503 on `POST /v1/events`: the store failed or did not answer in time, so whether the events were
 * stored is unknown — a write that timed out may still complete (Redis runs the ingest script to
 * the end once it has it). `retrySafe` says whether sending the same request again is safe: events
 * are de-duplicated by id, and an event without an id gets one derived from its timestamp or from
 * the request's `Idempotency-Key`, so only events with none of them (their time is the time of
 * arrival) could be counted twice.
 */
export class IngestUnconfirmedError extends DependencyUnavailableError {
  constructor(
    dependency: string,
    readonly retrySafe: boolean,
    cause?: unknown,
  ) {
    super(
      dependency,
      `The ${dependency} store did not confirm the events: some or all of them may have been stored. ` +
        (retrySafe
          ? 'Sending the same request again is safe: events are de-duplicated by id.'
          : 'Events without an id or a timestamp may be counted twice if sent again: give each event an id, or send the request with an Idempotency-Key header.'),
      cause,
    );
  }

  override toProblem(instance?: string): ProblemDetails {
    return { ...super.toProblem(instance), retrySafe: this.retrySafe };
  }
}

/** A 4xx problem answered by an internal service (the batch worker), passed on with its members. */
export class UpstreamProblemError extends AppError {
  constructor(
    code: string,
    status: number,
    title: string,
    detail: string,
    readonly extensions: Record<string, unknown>,
  ) {
    super(code, status, title, detail);
  }

  override toProblem(instance?: string): ProblemDetails {
    return { ...this.extensions, ...super.toProblem(instance) };
  }
}

/** 500: a bug or an unexpected failure; the detail never leaks internals. */
export class InternalError extends AppError {
  constructor(cause?: unknown) {
    super('internal', 500, 'Internal error', 'An unexpected error occurred.', { cause });
  }
}

/** Wraps a vendor or runtime failure of a store, keeping `cause`; adapters throw this. */
export class StoreError extends Error {
  constructor(
    readonly store: 'redis' | 'kv' | 'vector' | 'batch',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
