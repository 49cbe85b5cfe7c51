/** Refused and read-only commands of the local Upstash Redis REST server (command-policy.ts). */
import { describe, expect, it } from 'vitest';
import {
  buildCommandTable,
  readOnlyRefusalOf,
  refusalOf,
} from '../../local/redis-rest/command-policy';

describe('refusalOf', () => {
  it.each([
    ['BLPOP', 'q', '0'],
    ['xreadgroup', 'GROUP', 'g', 'c', 'BLOCK', '5', 'STREAMS', 's', '>'],
  ])('refuses blocking %s', (...argv) => expect(refusalOf(argv)).toMatch(/^ERR blocking command/));

  it.each([['select', '1'], ['Subscribe', 'c'], ['client', 'kill', 'x'], ['exec'], ['hello', '3']])(
    'refuses connection-state command %s',
    (...argv) => expect(refusalOf(argv)).toMatch(/not supported/),
  );

  it.each([
    ['get', 'k'],
    ['xread', 'STREAMS', 'block', '0'],
    ['client', 'ID'],
    ['eval', 'return 1', '0'],
  ])('lets %s run', (...argv) => expect(refusalOf(argv)).toBeNull());
});

describe('readOnlyRefusalOf', () => {
  // The shape of a Redis 7 `COMMAND` reply, reduced to the fields the table reads.
  const table = buildCommandTable([
    ['get', 2, ['readonly', 'fast'], 1, 1, 1, [], [], [], []],
    ['set', -3, ['write', 'denyoom'], 1, 1, 1, [], [], [], []],
    ['eval', -3, ['noscript', 'stale'], 0, 0, 0, [], [], [], []],
    ['eval_ro', -3, ['readonly', 'noscript'], 0, 0, 0, [], [], [], []],
    [
      'config',
      -2,
      [],
      0,
      0,
      0,
      [],
      [],
      [],
      [
        ['config|get', -3, ['admin', 'noscript'], 0, 0, 0],
        ['config|help', 2, ['loading'], 0, 0, 0],
      ],
    ],
  ]);

  it('allows reads and unknown commands', () => {
    expect(readOnlyRefusalOf(['GET', 'k'], table)).toBeNull();
    expect(readOnlyRefusalOf(['eval_ro', 'return 1', '0'], table)).toBeNull();
    expect(readOnlyRefusalOf(['config', 'help'], table)).toBeNull();
    expect(readOnlyRefusalOf(['nosuch'], table)).toBeNull();
  });

  it('refuses writes, scripts and admin subcommands with NOPERM', () => {
    expect(readOnlyRefusalOf(['set', 'k', 'v'], table)).toMatch(/^NOPERM .*'set'/);
    expect(readOnlyRefusalOf(['EVAL', 'return 1', '0'], table)).toMatch(/^NOPERM .*'eval'/);
    expect(readOnlyRefusalOf(['config', 'GET', 'x'], table)).toMatch(/^NOPERM .*'config\|get'/);
  });
});
