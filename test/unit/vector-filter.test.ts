/** The metadata filter language of the local vector server (docs/upstash-vector-rest.md §7). */
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError } from '../../local/vector-rest/filter';

/** The §10.2 fixture. */
const CITIES: Record<string, Record<string, unknown>> = {
  c1: {
    name: 'Istanbul',
    population: 15460000,
    capital: false,
    geo: { continent: 'Asia', lat: 41.0082 },
    tags: ['historic', 'coastal', 'metro'],
    note: null,
  },
  c2: {
    name: 'Berlin',
    population: 3669495,
    capital: true,
    geo: { continent: 'Europe', lat: 52.52 },
    tags: ['historic', 'cultural', 'metro'],
  },
  c3: {
    name: 'San Francisco',
    population: 873965,
    capital: false,
    geo: { continent: 'North America', lat: 37.77 },
    tags: ['coastal', 'tech', 'metro'],
  },
  c4: {
    name: "Quote's Town",
    population: 0,
    capital: false,
    temp: -10,
    tags: ['nothing'],
    desc: 'has "quotes"',
  },
};

function matching(filter: string, records = CITIES): string[] {
  const predicate = compileFilter(filter);
  if (predicate === undefined) throw new Error('expected a filter');
  return Object.keys(records).filter((id) => predicate(records[id]));
}

describe('filter evaluation on the conformance fixture', () => {
  it.each([
    ["name = 'Istanbul'", ['c1']],
    ["name != 'Berlin'", ['c1', 'c3', 'c4']],
    ["geo.continent != 'Asia'", ['c2', 'c3']],
    ['population > 1000000', ['c1', 'c2']],
    ['population <= 873965', ['c3', 'c4']],
    ["capital = false AND population > 100 OR name = 'Berlin'", ['c1', 'c2', 'c3']],
    ["capital = false AND (population > 100 OR name = 'Berlin')", ['c1', 'c3']],
    ['capital = true', ['c2']],
    ["tags CONTAINS 'tech'", ['c3']],
    ["tags NOT CONTAINS 'tech'", ['c1', 'c2', 'c4']],
    ["tags[0] = 'historic'", ['c1', 'c2']],
    ["tags[#-1] = 'metro'", ['c1', 'c2', 'c3']],
    ["geo.continent IN ('Asia', 'Europe')", ['c1', 'c2']],
    ["name NOT IN ('Berlin', 'Istanbul')", ['c3', 'c4']],
    ["name GLOB '*in'", ['c2']],
    ["name GLOB '?[se]*'", ['c1', 'c2']],
    ["name NOT GLOB '*bul'", ['c2', 'c3', 'c4']],
    ['HAS FIELD geo.lat', ['c1', 'c2', 'c3']],
    ['HAS NOT FIELD geo', ['c4']],
    ['HAS FIELD note', ['c1']],
    ['temp = -10', ['c4']],
    ['geo.lat = 41.0082', ['c1']],
    [`name = "Quote's Town"`, ['c4']],
    [`desc = 'has "quotes"'`, ['c4']],
    ['population > 1000000 and capital = TRUE', ['c2']],
    ["name = 'Nowhere'", []],
  ])('%s', (filter, expected) => {
    expect(matching(filter)).toEqual(expected);
  });
});

describe('semantics beyond the fixture', () => {
  const records = {
    a: { n: 1, flag: true, items: [{ name: 'x' }, { name: 'y' }], 'odd#-1]': 'k', s: 'a*b' },
    b: { n: 1.0, flag: false, items: [], nested: { deep: { x: [1, 2, 3] } } },
    c: { n: '1', flag: 'true' },
    d: {},
  };

  it('compares numbers numerically and never across types', () => {
    expect(matching('n = 1.0', records)).toEqual(['a', 'b']);
    expect(matching("n = '1'", records)).toEqual(['c']);
    expect(matching('n >= 1', records)).toEqual(['a', 'b']);
    expect(matching("n < '2'", records)).toEqual([]);
  });

  it('treats 1 and 0 as booleans when compared with a boolean field', () => {
    expect(matching('flag = 1', records)).toEqual(['a']);
    expect(matching('flag = 0', records)).toEqual(['b']);
    expect(matching('flag = true', records)).toEqual(['a']);
  });

  it('walks indices inside paths and from the end', () => {
    expect(matching("items[0].name = 'x'", records)).toEqual(['a']);
    expect(matching("items[#-2].name = 'x'", records)).toEqual(['a']);
    expect(matching("items[2].name = 'x'", records)).toEqual([]);
    expect(matching('nested.deep.x[#-1] = 3', records)).toEqual(['b']);
    expect(matching('HAS FIELD items[1]', records)).toEqual(['a']);
  });

  it('reads stray #, - and ] outside brackets as key characters', () => {
    expect(matching("odd#-1] = 'k'", records)).toEqual(['a']);
  });

  it('never matches a missing field with !=, NOT IN, NOT GLOB or NOT CONTAINS', () => {
    expect(matching('n != 5', records)).toEqual(['a', 'b', 'c']);
    expect(matching('n NOT IN (5, 6)', records)).toEqual(['a', 'b', 'c']);
    expect(matching("s NOT GLOB 'z*'", records)).toEqual(['a']);
    expect(matching('items NOT CONTAINS 5', records)).toEqual(['a', 'b']);
  });

  it('matches records without metadata only with HAS NOT FIELD', () => {
    const predicate = compileFilter('HAS NOT FIELD x');
    expect(predicate?.(undefined)).toBe(true);
    expect(compileFilter("x = 'y'")?.(undefined)).toBe(false);
    expect(compileFilter("x != 'y'")?.(undefined)).toBe(false);
  });

  it('matches GLOB on the whole string, case-sensitively, with classes and escapes', () => {
    const words = { w1: { w: 'Berlin' }, w2: { w: 'berlin' }, w3: { w: 'a*b' }, w4: { w: 'a.b' } };
    expect(matching("w GLOB 'B*'", words)).toEqual(['w1']);
    expect(matching("w GLOB '[a-c]erlin'", words)).toEqual(['w2']);
    expect(matching("w GLOB '[^a-c]erlin'", words)).toEqual(['w1']);
    expect(matching("w GLOB 'a[*]b'", words)).toEqual(['w3']);
    expect(matching("w GLOB 'a.b'", words)).toEqual(['w4']);
    expect(matching("w GLOB 'erl'", words)).toEqual([]);
  });

  it('accepts keywords in any case, double-quoted strings, escapes and exponents', () => {
    expect(matching("n = 1 Or N = 2 aNd flag = 'x'", records)).toEqual(['a', 'b']);
    expect(matching('s = "a*b"', records)).toEqual(['a']);
    expect(matching("name = 'Quote\\'s Town'")).toEqual(['c4']);
    expect(matching('population > 1e6')).toEqual(['c1', 'c2']);
    expect(matching("name not in ('Berlin') and tags not contains 'metro'")).toEqual(['c4']);
  });

  it('treats an empty or blank filter as no filter', () => {
    expect(compileFilter('')).toBeUndefined();
    expect(compileFilter('   ')).toBeUndefined();
  });

  it('lets parentheses nest and AND bind tighter than OR', () => {
    expect(matching("((name = 'Berlin'))")).toEqual(['c2']);
    expect(matching("name = 'Berlin' OR name = 'Istanbul' AND capital = true")).toEqual(['c2']);
    expect(matching("(name = 'Berlin' OR name = 'Istanbul') AND capital = false")).toEqual(['c1']);
  });
});

describe('syntax errors', () => {
  it.each([
    'name =',
    "(name = 'x'",
    ".name = 'x'",
    "tags[] = 'x'",
    "tags[ = 'x'",
    "name = 'x' AND",
    "name == 'x'",
    "name = 'unterminated",
    "name 'x'",
    "name NOT = 'x'",
    'name GLOB 5',
    "name IN ('a',)",
    "name IN 'a'",
    "a..b = 'x'",
    "tags[0]x = 'y'",
    "tags[-1] = 'y'",
    "name = 'x' 'y'",
    "name = 'x' @",
    "HAS FIELD 'x'",
    "name = 'x')",
    "name GLOB '[z-a]'",
  ])('rejects %s', (filter) => {
    let caught: unknown;
    try {
      compileFilter(filter);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    expect((caught as Error).message).toMatch(/^Invalid filter/);
  });

  it('rejects absurd nesting with a syntax error instead of overflowing the stack', () => {
    expect(() => compileFilter(`${'('.repeat(10_000)}a = 1${')'.repeat(10_000)}`)).toThrow(
      FilterSyntaxError,
    );
  });

  it('handles long AND chains without recursion', () => {
    const filter = Array.from({ length: 5000 }, (_, i) => `f${i} = ${i}`).join(' AND ');
    const metadata = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, i]));
    expect(compileFilter(filter)?.(metadata)).toBe(true);
  });
});
