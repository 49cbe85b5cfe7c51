/** Maps RESP2 replies (as ioredis returns them in buffer mode) to the JSON text of a `result`. */

/**
 * A RESP2 reply as the backend hands it over: `Buffer` for simple and bulk strings, `string` for
 * integers (ioredis `stringNumbers`, so 64-bit values keep every digit), `null` for null bulk
 * strings and arrays, `Error` for an error nested inside an array (e.g. in an `EXEC` reply).
 */
export type RespReply = Buffer | string | number | null | undefined | Error | RespReply[];

const OK = Buffer.from('OK');
const INTEGER = /^-?\d+$/;

/**
 * Returns the JSON text of `reply` (doc §5, §6). With `base64`, every string anywhere in the
 * value is the standard base64 of its raw bytes except the status `OK`: the client runs `atob`
 * on every string but `"OK"`, so plain words such as `PONG` must be encoded or they decode to
 * junk. Without it, strings are UTF-8 decoded (invalid bytes become U+FFFD, as upstream).
 * Integers are written with all their digits, never as strings. Errors nested in arrays have no
 * JSON form in the protocol (a `result` may not hold objects), so their text is written as a
 * string.
 */
export function encodeReply(reply: RespReply, base64: boolean): string {
  if (reply === null || reply === undefined) return 'null';
  if (Buffer.isBuffer(reply)) {
    if (!base64) return JSON.stringify(reply.toString('utf8'));
    // Base64 has no character that needs escaping inside a JSON string.
    return reply.equals(OK) ? '"OK"' : `"${reply.toString('base64')}"`;
  }
  if (typeof reply === 'string') {
    return INTEGER.test(reply) ? reply : encodeReply(Buffer.from(reply), base64);
  }
  if (typeof reply === 'number') return Number.isFinite(reply) ? String(reply) : 'null';
  if (Array.isArray(reply)) return `[${reply.map((item) => encodeReply(item, base64)).join(',')}]`;
  return encodeReply(Buffer.from(reply.message), base64);
}

/** JSON text of `{"result": ...}`; the key is always present, even for `null` (doc §5). */
export function resultJson(reply: RespReply, base64: boolean): string {
  return `{"result":${encodeReply(reply, base64)}}`;
}

/** JSON text of `{"error": ...}`; error texts are never base64-encoded (doc §6). */
export function errorJson(message: string): string {
  return JSON.stringify({ error: message });
}
