/** The one error type of the REST server: an HTTP status plus the `error` text of the JSON body. */

/** A request the server answers with `status` and the JSON body `{"error": message}`. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RestError';
  }
}
