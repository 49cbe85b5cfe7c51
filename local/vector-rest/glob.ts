/** UNIX glob patterns (`*`, `?`, `[abc]`, `[a-z]`, `[^a-z]`) compiled to anchored regular expressions. */

/** Characters with a meaning in a regular expression outside a character class. */
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/;
/** Characters with a meaning inside a regular-expression character class. */
const CLASS_SPECIAL = /[\\\]^[-]/;

/**
 * Compiles a whole-string, case-sensitive glob into a RegExp. Matching is per Unicode code point
 * (`?` is one character, not one UTF-16 unit). An unterminated `[` is a literal `[`, as in
 * fnmatch(3). Throws `SyntaxError` for a class whose range is out of order (`[z-a]`).
 */
export function compileGlob(pattern: string): RegExp {
  const chars = Array.from(pattern);
  let source = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') {
      source += '[\\s\\S]*';
    } else if (c === '?') {
      source += '[\\s\\S]';
    } else if (c === '[') {
      const cls = readClass(chars, i);
      if (cls === undefined) {
        source += '\\[';
      } else {
        source += cls.source;
        i = cls.end;
      }
    } else {
      source += escapeLiteral(c);
    }
  }
  return new RegExp(`^${source}$`, 'u');
}

/** Reads a `[...]` class starting at `start`; undefined when it is not closed. */
function readClass(chars: string[], start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (chars[i] === '^' || chars[i] === '!') {
    negate = true;
    i++;
  }
  const body: string[] = [];
  // A `]` right after the opening bracket (or its negation) is a literal member, as in fnmatch.
  let first = true;
  for (; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === ']' && !first) {
      if (body.length === 0) return undefined;
      return { source: `[${negate ? '^' : ''}${body.join('')}]`, end: i };
    }
    first = false;
    const next = chars[i + 1];
    const rangeEnd = chars[i + 2];
    if (next === '-' && rangeEnd !== undefined && rangeEnd !== ']') {
      body.push(`${escapeClassMember(c)}-${escapeClassMember(rangeEnd)}`);
      i += 2;
    } else {
      body.push(escapeClassMember(c));
    }
  }
  return undefined;
}

function escapeLiteral(c: string): string {
  return REGEX_SPECIAL.test(c) ? `\\${c}` : c;
}

function escapeClassMember(c: string): string {
  return CLASS_SPECIAL.test(c) ? `\\${c}` : c;
}
