/**
 * The Upstash Vector metadata filter language (docs/upstash-vector-rest.md §7): a lexer, a
 * recursive-descent parser for the grammar of §7.2 and a compiler to a predicate over metadata,
 * shared by `query` and `delete`.
 */
import { compileGlob } from './glob';

/** A compiled filter: true when a record's metadata matches. */
export type FilterPredicate = (metadata: Record<string, unknown> | undefined) => boolean;

/** A syntax error in a filter; its message starts with `Invalid filter` like upstream's. */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  /** 0-based offset of the offending character in the filter text. */
  readonly position: number;

  constructor(position: number, detail: string) {
    super(`Invalid filter. At line 1:${position} ${detail}`);
    this.position = position;
  }
}

/**
 * Parses and compiles `text`. Returns undefined for an empty (or blank) filter, which upstream
 * treats as "no filter". Throws `FilterSyntaxError` for anything the grammar rejects.
 */
export function compileFilter(text: string): FilterPredicate | undefined {
  const tokens = tokenize(text);
  if (tokens.length === 1) return undefined;
  return new Parser(tokens).parseFilter();
}

// ---------------------------------------------------------------- lexer

type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'op'; op: CompareOp; pos: number }
  | { kind: '(' | ')' | ',' | 'eof'; pos: number };

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_.[\]#-]/;
/** Sticky (`y`): matched in place at `lastIndex`, without copying the rest of the text. */
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /\s/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (WHITESPACE.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, pos: i });
      i++;
    } else if (c === "'" || c === '"') {
      const { value, end } = readString(text, i);
      tokens.push({ kind: 'string', value, pos: i });
      i = end;
    } else if (c === '=' || c === '<' || c === '>' || c === '!') {
      const two = text.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ kind: 'op', op: two, pos: i });
        i += 2;
      } else if (c === '!') {
        throw new FilterSyntaxError(i, `token recognition error at: '${c}'`);
      } else {
        tokens.push({ kind: 'op', op: c as CompareOp, pos: i });
        i++;
      }
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (match === null) throw new FilterSyntaxError(i, `token recognition error at: '${c}'`);
      tokens.push({ kind: 'number', value: Number(match[0]), pos: i });
      i += match[0].length;
    } else if (IDENT_START.test(c)) {
      let end = i + 1;
      while (end < text.length && IDENT_PART.test(text[end] as string)) end++;
      tokens.push({ kind: 'ident', text: text.slice(i, end), pos: i });
      i = end;
    } else {
      throw new FilterSyntaxError(i, `token recognition error at: '${c}'`);
    }
  }
  tokens.push({ kind: 'eof', pos: text.length });
  return tokens;
}

/** Reads a quoted string; `\\`, `\'` and `\"` are escapes, any other backslash is literal. */
function readString(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (c === quote) return { value, end: i + 1 };
    const next = text[i + 1];
    if (c === '\\' && (next === '\\' || next === "'" || next === '"')) {
      value += next;
      i++;
    } else {
      value += c;
    }
  }
  throw new FilterSyntaxError(start, `token recognition error at: '${text.slice(start)}'`);
}

// ---------------------------------------------------------------- parser

type Literal = string | number | boolean;

type PathStep = { key: string } | { index: number } | { fromEnd: number };

/** Deep enough for any hand-written filter; stops a hostile one from exhausting the stack. */
const MAX_NESTING = 128;

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parseFilter(): FilterPredicate {
    const predicate = this.parseOr();
    const tok = this.peek();
    if (tok.kind !== 'eof') this.fail(tok, 'expecting AND, OR or the end of the filter');
    return predicate;
  }

  private parseOr(): FilterPredicate {
    const parts = [this.parseAnd()];
    while (this.acceptKeyword('OR')) parts.push(this.parseAnd());
    if (parts.length === 1) return parts[0] as FilterPredicate;
    return (m) => parts.some((p) => p(m));
  }

  private parseAnd(): FilterPredicate {
    const parts = [this.parseTerm()];
    while (this.acceptKeyword('AND')) parts.push(this.parseTerm());
    if (parts.length === 1) return parts[0] as FilterPredicate;
    return (m) => parts.every((p) => p(m));
  }

  private parseTerm(): FilterPredicate {
    const tok = this.peek();
    if (tok.kind === '(') {
      if (++this.depth > MAX_NESTING) this.fail(tok, 'parentheses nested too deeply');
      this.pos++;
      const inner = this.parseOr();
      this.expect(')', "missing ')'");
      this.depth--;
      return inner;
    }
    return this.parseCondition();
  }

  private parseCondition(): FilterPredicate {
    const first = this.peek();
    // `HAS` starts a field test only when followed by FIELD or NOT; otherwise it is a key named "has".
    if (isKeyword(first, 'HAS')) {
      const second = this.tokens[this.pos + 1];
      if (second !== undefined && (isKeyword(second, 'FIELD') || isKeyword(second, 'NOT'))) {
        this.pos++;
        const negate = this.acceptKeyword('NOT');
        if (!this.acceptKeyword('FIELD')) this.fail(this.peek(), "expecting 'FIELD'");
        const path = this.parsePath();
        return negate ? (m) => resolve(m, path) === MISSING : (m) => resolve(m, path) !== MISSING;
      }
    }
    const path = this.parsePath();
    const tok = this.peek();
    if (tok.kind === 'op') {
      this.pos++;
      return comparison(path, tok.op, this.parseLiteral());
    }
    const negate = this.acceptKeyword('NOT');
    if (this.acceptKeyword('GLOB')) {
      const patternTok = this.peek();
      if (patternTok.kind !== 'string') this.fail(patternTok, 'GLOB expects a string');
      this.pos++;
      let regex: RegExp;
      try {
        regex = compileGlob(patternTok.value);
      } catch {
        this.fail(patternTok, 'invalid GLOB pattern');
      }
      return (m) => {
        const v = resolve(m, path);
        return typeof v === 'string' && regex.test(v) !== negate;
      };
    }
    if (this.acceptKeyword('IN')) {
      this.expect('(', "expecting '('");
      const literals = [this.parseLiteral()];
      while (this.peek().kind === ',') {
        this.pos++;
        literals.push(this.parseLiteral());
      }
      this.expect(')', "expecting ')'");
      return (m) => {
        const v = resolve(m, path);
        if (negate) return literals.every((l) => scalarEquals(v, l) === false);
        return literals.some((l) => scalarEquals(v, l) === true);
      };
    }
    if (this.acceptKeyword('CONTAINS')) {
      const literal = this.parseLiteral();
      return (m) => {
        const v = resolve(m, path);
        if (!Array.isArray(v)) return false;
        return v.some((element) => scalarEquals(element, literal) === true) !== negate;
      };
    }
    return this.fail(
      this.peek(),
      negate ? 'expecting GLOB, IN or CONTAINS after NOT' : 'expecting an operator',
    );
  }

  private parsePath(): PathStep[] {
    const tok = this.peek();
    if (tok.kind !== 'ident') this.fail(tok, 'expecting a field name');
    this.pos++;
    return parsePathText(tok.text, tok.pos);
  }

  private parseLiteral(): Literal {
    const tok = this.peek();
    if (tok.kind === 'string' || tok.kind === 'number') {
      this.pos++;
      return tok.value;
    }
    if (isKeyword(tok, 'TRUE') || isKeyword(tok, 'FALSE')) {
      this.pos++;
      return isKeyword(tok, 'TRUE');
    }
    return this.fail(tok, 'expecting a string, number or boolean literal');
  }

  private acceptKeyword(word: string): boolean {
    if (!isKeyword(this.peek(), word)) return false;
    this.pos++;
    return true;
  }

  private expect(kind: '(' | ')', detail: string): void {
    const tok = this.peek();
    if (tok.kind !== kind) this.fail(tok, detail);
    this.pos++;
  }

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private fail(tok: Token, detail: string): never {
    const found = tok.kind === 'eof' ? '<EOF>' : describe(tok);
    throw new FilterSyntaxError(tok.pos, `${detail}, found ${found}`);
  }
}

function isKeyword(tok: Token, word: string): boolean {
  return tok.kind === 'ident' && tok.text.toUpperCase() === word;
}

function describe(tok: Token): string {
  switch (tok.kind) {
    case 'ident':
      return `'${tok.text}'`;
    case 'string':
      return `'${JSON.stringify(tok.value)}'`;
    case 'number':
      return `'${tok.value}'`;
    case 'op':
      return `'${tok.op}'`;
    default:
      return `'${tok.kind}'`;
  }
}

/** `a.b[0].c[#-1]` → steps; `#`, `-` and `]` outside brackets are ordinary key characters. */
function parsePathText(text: string, offset: number): PathStep[] {
  const steps: PathStep[] = [];
  let i = 0;
  const readKey = (): void => {
    let end = i;
    while (end < text.length && text[end] !== '.' && text[end] !== '[') end++;
    if (end === i) throw new FilterSyntaxError(offset + i, `empty key in field '${text}'`);
    steps.push({ key: text.slice(i, end) });
    i = end;
  };
  readKey();
  while (i < text.length) {
    if (text[i] === '.') {
      i++;
      readKey();
      continue;
    }
    // text[i] === '[': an index up to the next `]`.
    const close = text.indexOf(']', i);
    if (close < 0) throw new FilterSyntaxError(offset + i, `unclosed '[' in field '${text}'`);
    const inner = text.slice(i + 1, close);
    if (/^\d+$/.test(inner)) {
      steps.push({ index: Number(inner) });
    } else if (/^#-\d+$/.test(inner)) {
      steps.push({ fromEnd: Number(inner.slice(2)) });
    } else {
      throw new FilterSyntaxError(offset + i, `invalid array index '[${inner}]' in '${text}'`);
    }
    i = close + 1;
    if (i < text.length && text[i] !== '.' && text[i] !== '[') {
      throw new FilterSyntaxError(offset + i, `expecting '.' or '[' after ']' in '${text}'`);
    }
  }
  return steps;
}

// ---------------------------------------------------------------- evaluation

/** Marks a path that does not resolve (distinct from a stored `null`). */
const MISSING = Symbol('missing');

function resolve(metadata: Record<string, unknown> | undefined, path: PathStep[]): unknown {
  let current: unknown = metadata;
  if (current === undefined) return MISSING;
  for (const step of path) {
    if ('key' in step) {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) {
        return MISSING;
      }
      if (!Object.hasOwn(current, step.key)) return MISSING;
      current = (current as Record<string, unknown>)[step.key];
    } else {
      if (!Array.isArray(current)) return MISSING;
      const index = 'index' in step ? step.index : current.length - step.fromEnd;
      if (index < 0 || index >= current.length) return MISSING;
      current = current[index];
    }
  }
  return current;
}

/**
 * Equality of a stored value with a literal: true/false when the operator applies (the value is
 * a string, number or boolean), undefined when it does not (missing, null, object, array), so
 * that `!=` and `NOT IN` never match a missing field (§7.3). Booleans also compare with the
 * literals 1 and 0, which upstream documents as boolean literals.
 */
function scalarEquals(value: unknown, literal: Literal): boolean | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
      return value === literal;
    case 'boolean':
      if (typeof literal === 'number' && (literal === 0 || literal === 1)) {
        return value === (literal === 1);
      }
      return value === literal;
    default:
      return undefined;
  }
}

function comparison(path: PathStep[], op: CompareOp, literal: Literal): FilterPredicate {
  switch (op) {
    case '=':
      return (m) => scalarEquals(resolve(m, path), literal) === true;
    case '!=':
      return (m) => scalarEquals(resolve(m, path), literal) === false;
    default: {
      if (typeof literal !== 'number') return () => false;
      const test = ORDERINGS[op];
      return (m) => {
        const v = resolve(m, path);
        return typeof v === 'number' && test(v, literal);
      };
    }
  }
}

const ORDERINGS: Record<'<' | '<=' | '>' | '>=', (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};
