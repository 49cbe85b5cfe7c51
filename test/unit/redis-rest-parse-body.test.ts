/** Request-body parsing of the local Upstash Redis REST server (local/redis-rest/parse-body.ts). */
import { describe, expect, it } from 'vitest';
import { numberTokens, parseBatchBody, parseSingleBody } from '../../local/redis-rest/parse-body';
import { RestError } from '../../local/redis-rest/rest-error';

describe('numberTokens', () => {
  it('returns number tokens in order and skips digits inside strings', () => {
    expect(numberTokens('["a1", -1.5e+3, "x\\"2", 0, [7], "\\\\", 12345678901234567890]')).toEqual([
      '-1.5e+3',
      '0',
      '7',
      '12345678901234567890',
    ]);
  });
});

describe('parseSingleBody', () => {
  it('keeps strings, the exact number text and boolean words', () => {
    expect(parseSingleBody('["set","k",1.0,1e+21,true,false,"é"]')).toEqual({
      argv: ['set', 'k', '1.0', '1e+21', 'true', 'false', 'é'],
    });
  });

  it('answers a null argument with a per-command error', () => {
    const parsed = parseSingleBody('["set","k",null]');
    expect(parsed).toEqual({ error: expect.stringMatching(/^ERR argument 2 of 'set' is null/) });
  });

  it.each(['nope', '{"a":1}', '[]', '[1]', '[""]', '["set",["v"]]', '["set",{"a":1}]', '"set"'])(
    'rejects %s with a 400 RestError',
    (body) => {
      const error = (() => {
        try {
          parseSingleBody(body);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(RestError);
      expect((error as RestError).status).toBe(400);
      expect((error as RestError).message).toMatch(/^ERR /);
    },
  );
});

describe('parseBatchBody', () => {
  it('maps each command and keeps number tokens aligned across commands', () => {
    expect(parseBatchBody('[["incrby","a",5],["set","b",null,7],["set","c",2.50]]')).toEqual([
      { argv: ['incrby', 'a', '5'] },
      { error: expect.stringContaining('null') },
      { argv: ['set', 'c', '2.50'] },
    ]);
  });

  it.each(['[]', '["get","k"]', '[["get","k"],[]]', '[["get",[1]]]', '{}'])(
    'rejects %s with a 400 RestError',
    (body) => {
      expect(() => parseBatchBody(body)).toThrow(RestError);
    },
  );
});
