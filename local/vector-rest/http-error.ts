/** The error type of the Vector REST server: an HTTP status and an upstream-style message. */

/** Thrown by request handling; the server answers `{"error": message, "status": status}`. */
export class VectorRestError extends Error {
  override readonly name = 'VectorRestError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
