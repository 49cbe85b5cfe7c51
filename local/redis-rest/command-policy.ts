/** Which commands the REST server refuses, and which ones a read-only token may run. */

/**
 * Commands that block a connection until data arrives. Upstream refuses them (doc §14); here a
 * blocked pooled connection would also stall every request queued behind it.
 */
const BLOCKING = new Set([
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'blmpop',
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
  'wait',
  'waitaof',
]);

/**
 * Commands that change per-connection state the pool shares between requests, leave the
 * request/response model (pub/sub, monitor, replication), or stop or break the backend.
 * `MULTI`/`EXEC` have their own endpoint, `/multi-exec`.
 */
const CONNECTION_STATE = new Set([
  'select',
  'auth',
  'hello',
  'quit',
  'reset',
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'monitor',
  'sync',
  'psync',
  'replconf',
  'replicaof',
  'slaveof',
  'failover',
  'shutdown',
  'debug',
  'readonly',
  'readwrite',
]);

/** `CLIENT` subcommands that only read; the others (KILL, REPLY, PAUSE, TRACKING, ...) are refused. */
const CLIENT_READ_ONLY = new Set(['id', 'info', 'list', 'getname', 'help']);

/**
 * The error text for a command this server will not run, or `null` if it may run.
 * `XREAD`/`XREADGROUP` are refused only with the `BLOCK` option.
 */
export function refusalOf(argv: readonly string[]): string | null {
  const name = argv[0]!.toLowerCase();
  if (BLOCKING.has(name) || (isStreamRead(name) && hasBlockOption(argv))) {
    return `ERR blocking command '${name}' is not supported over the Upstash REST API`;
  }
  if (CONNECTION_STATE.has(name)) {
    return `ERR command '${name}' is not supported over the Upstash REST API (it would change the state of a pooled connection or leave request/response mode)`;
  }
  if (name === 'client' && !CLIENT_READ_ONLY.has((argv[1] ?? '').toLowerCase())) {
    return `ERR command 'client ${(argv[1] ?? '').toLowerCase()}' is not supported over the Upstash REST API`;
  }
  return null;
}

function isStreamRead(name: string): boolean {
  return name === 'xread' || name === 'xreadgroup';
}

/** `BLOCK` is an option only before the `STREAMS` keyword; after it come keys and ids. */
function hasBlockOption(argv: readonly string[]): boolean {
  for (const arg of argv.slice(1)) {
    const word = arg.toLowerCase();
    if (word === 'streams') return false;
    if (word === 'block') return true;
  }
  return false;
}

/**
 * Flags of every command (and `container|subcommand`) as `COMMAND` reports them, lowercased.
 * Built from the server's own table so the read-only check follows the running Redis version.
 */
export type CommandTable = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Builds a `CommandTable` from the RESP2 reply of `COMMAND` decoded as UTF-8: one entry per
 * command, `[name, arity, flags, first, last, step, acl, tips, keySpecs, subcommands]`
 * (Redis 7; older versions stop after `step` and have no subcommands).
 */
export function buildCommandTable(reply: unknown): CommandTable {
  const table = new Map<string, ReadonlySet<string>>();
  const add = (entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[2])) return;
    table.set(entry[0].toLowerCase(), new Set(entry[2].map((flag) => String(flag).toLowerCase())));
    if (Array.isArray(entry[9])) entry[9].forEach(add);
  };
  if (Array.isArray(reply)) reply.forEach(add);
  return table;
}

/**
 * Commands with effects that Redis does not flag `write`: scripts and functions may write (only
 * their `_RO` variants are flagged `readonly`), PUBLISH reaches other clients, SCRIPT FLUSH drops
 * every cached script.
 */
const UNFLAGGED_WRITES = new Set([
  'eval',
  'evalsha',
  'fcall',
  'publish',
  'spublish',
  'script|flush',
]);

/**
 * The `NOPERM` error text if a read-only token may not run `argv`, else `null`. A command is a
 * write when Redis flags it `write`, `may_replicate` or `admin`, or it is in `UNFLAGGED_WRITES`.
 * Commands unknown to the table pass, so Redis answers them with its own error.
 */
export function readOnlyRefusalOf(argv: readonly string[], table: CommandTable): string | null {
  const name = argv[0]!.toLowerCase();
  const sub = argv[1] === undefined ? undefined : `${name}|${argv[1].toLowerCase()}`;
  const key = sub !== undefined && table.has(sub) ? sub : name;
  const flags = table.get(key);
  if (!flags) return null;
  const write =
    flags.has('write') ||
    flags.has('may_replicate') ||
    flags.has('admin') ||
    UNFLAGGED_WRITES.has(key);
  return write
    ? `NOPERM this token is read-only and has no permissions to run the '${key}' command`
    : null;
}
