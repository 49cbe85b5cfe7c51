/** Parses an Upstash REST request body (one command or a batch) into Redis argument vectors. */
import { RestError } from './rest-error';

/**
 * One command of a request: its argument vector (`argv[0]` is the command name), or a
 * per-command error that is answered in the command's slot without sending anything to Redis.
 */
export type ParsedCommand = { argv: string[] } | { error: string };

// JSON number grammar (RFC 8259 §6). JSON.parse has already validated the text; this only finds
// where each number token starts and ends.
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parses the body of `POST <base>`: a flat JSON array `["CMD", arg, ...]`.
 * Throws `RestError` (400) when the body is not JSON or not that shape.
 */
export function parseSingleBody(text: string): ParsedCommand {
  const { value, numbers } = parseJson(text);
  if (!Array.isArray(value)) {
    throw new RestError(400, 'ERR the body must be a JSON array: ["COMMAND", arg, ...]');
  }
  return toCommand(value, numbers, '');
}

/**
 * Parses the body of `POST <base>/pipeline` and `/multi-exec`: a non-empty JSON array of
 * command arrays. Throws `RestError` (400) when the body is not JSON or not that shape.
 */
export function parseBatchBody(text: string): ParsedCommand[] {
  const { value, numbers } = parseJson(text);
  if (!Array.isArray(value) || value.length === 0) {
    throw new RestError(
      400,
      'ERR the body must be a non-empty JSON array of commands: [["COMMAND", arg, ...], ...]',
    );
  }
  return value.map((command, i) => {
    if (!Array.isArray(command)) {
      throw new RestError(400, `ERR command ${i + 1} of the batch is not a JSON array`);
    }
    return toCommand(command, numbers, ` (command ${i + 1} of the batch)`);
  });
}

/** Number tokens of the body in document order, consumed while the parsed arrays are walked. */
interface NumberTokens {
  texts: string[];
  next: number;
}

function parseJson(text: string): { value: unknown; numbers: NumberTokens } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RestError(400, `ERR the body is not valid JSON: ${(error as Error).message}`);
  }
  return { value, numbers: { texts: numberTokens(text), next: 0 } };
}

/**
 * Returns the source text of every JSON number in `json`, in document order. JSON.parse keeps
 * only the float64 value, which would turn `12345678901234567890` into `12345678901234567000`
 * and `1.0` into `1`; the protocol wants the decimal text the client sent (doc §4), so the
 * number arguments are taken from here instead.
 */
export function numberTokens(json: string): string[] {
  const texts: string[] = [];
  let i = 0;
  while (i < json.length) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = stringEnd(json, i) + 1;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39) /* 0-9 */) {
      NUMBER_TOKEN.lastIndex = i;
      const match = NUMBER_TOKEN.exec(json);
      const token = match ? match[0] : json[i]!;
      texts.push(token);
      i += token.length;
    } else {
      i += 1;
    }
  }
  return texts;
}

/** Index of the quote that closes the string literal opening at `start`. */
function stringEnd(json: string, start: number): number {
  let j = start;
  for (;;) {
    j = json.indexOf('"', j + 1);
    if (j < 0) return json.length;
    let backslashes = 0;
    while (json.charCodeAt(j - 1 - backslashes) === 0x5c /* \ */) backslashes += 1;
    if (backslashes % 2 === 0) return j;
  }
}

/**
 * Turns one JSON command array into Redis arguments (doc §4): strings as they are, numbers as
 * their JSON text, booleans as `true`/`false`. A nested array or object never comes from the
 * official client, so it rejects the whole request; `null` does (the client serialises an
 * `undefined` argument as `null`), so it fails only this command — in an auto-pipelined batch the
 * other, unrelated commands still run. Sending the text `null` instead would silently store it.
 */
function toCommand(items: unknown[], numbers: NumberTokens, where: string): ParsedCommand {
  if (items.length === 0) throw new RestError(400, `ERR empty command${where}`);
  if (typeof items[0] !== 'string' || items[0].length === 0) {
    throw new RestError(400, `ERR the command name must be a non-empty string${where}`);
  }
  const argv: string[] = [];
  let nullAt = -1;
  items.forEach((item, i) => {
    if (typeof item === 'string') argv.push(item);
    else if (typeof item === 'number') argv.push(numbers.texts[numbers.next++] ?? String(item));
    else if (typeof item === 'boolean') argv.push(item ? 'true' : 'false');
    else if (item === null) {
      if (nullAt < 0) nullAt = i;
    } else {
      throw new RestError(
        400,
        `ERR argument ${i} is a nested ${Array.isArray(item) ? 'array' : 'object'}${where}: arguments must be strings, numbers or booleans`,
      );
    }
  });
  if (nullAt >= 0) {
    return {
      error: `ERR argument ${nullAt} of '${items[0]}' is null (an undefined value passed to the client?): null arguments are rejected`,
    };
  }
  return { argv };
}
