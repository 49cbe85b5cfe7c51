/** RESP2 → JSON mapping of the local Upstash Redis REST server (local/redis-rest/encode-reply.ts). */
import { describe, expect, it } from 'vitest';
import { encodeReply, errorJson, resultJson } from '../../local/redis-rest/encode-reply';

const b = (text: string) => Buffer.from(text);

describe('encodeReply', () => {
  it('base64-encodes every string except OK, recursively', () => {
    expect(encodeReply([b('OK'), b('PONG'), [b('bar'), '3', null]], true)).toBe(
      '["OK","UE9ORw==",["YmFy",3,null]]',
    );
  });

  it('writes UTF-8 strings with U+FFFD for invalid bytes without base64', () => {
    expect(JSON.parse(encodeReply(Buffer.from([0x68, 0xff, 0x22]), false))).toBe('h\ufffd"');
    expect(encodeReply(Buffer.from([0xff, 0x00]), true)).toBe('"/wA="');
  });

  it('writes integers with every digit, never as strings', () => {
    expect(encodeReply('-9223372036854775808', true)).toBe('-9223372036854775808');
    expect(encodeReply(12, false)).toBe('12');
  });

  it('writes an error nested in an array as its text', () => {
    expect(encodeReply([new Error('ERR x'), b('y')], false)).toBe('["ERR x","y"]');
    expect(encodeReply([new Error('ERR x')], true)).toBe(`["${btoa('ERR x')}"]`);
  });
});

describe('resultJson and errorJson', () => {
  it('always has a result key, and never encodes errors', () => {
    expect(resultJson(null, true)).toBe('{"result":null}');
    expect(JSON.parse(errorJson('ERR "quoted"'))).toEqual({ error: 'ERR "quoted"' });
  });
});
