/**
 * `npm start`: runs the whole system on this machine (see local/stack.ts), prints where it
 * listens, the local API keys and example requests, and stops everything on Ctrl-C.
 *
 * Flags: `--no-demo` (do not load the demo data on first start). Environment: the ports in
 * `PORT_ENV`, `EDGEREC_STATE_DIR` (default `.state/`), `REDIS_URL` (use that Redis instead of
 * starting redis-server), `EDGEREC_LOCAL_CRON_MINUTES` (interval of the emulated cron trigger,
 * default 60, 0 = off) and the worker settings of shared/config.ts (`EDGEREC_DIMS`, …).
 */
import { join, relative, resolve } from 'node:path';
import {
  DEFAULT_PORTS,
  PORT_ENV,
  REPO_ROOT,
  startStack,
  type RunningStack,
  type StackPorts,
} from './stack';

const USAGE = `usage: npm start [-- --no-demo]

  --no-demo   do not generate and load the demo data on first start
  --help      show this help

Environment: ${Object.values(PORT_ENV).join(', ')}, EDGEREC_STATE_DIR, REDIS_URL,
EDGEREC_LOCAL_CRON_MINUTES (default 60, 0 = off), and the worker settings (EDGEREC_DIMS, …).`;

function portsFromEnv(env: NodeJS.ProcessEnv): StackPorts {
  const ports = { ...DEFAULT_PORTS };
  for (const [name, variable] of Object.entries(PORT_ENV) as [keyof StackPorts, string][]) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const port = Number(text);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${variable}=${text} is not a TCP port`);
    }
    ports[name] = port;
  }
  return ports;
}

function printSummary(stack: RunningStack): void {
  const { urls, keys } = stack;
  const user = stack.demo.sampleUserIds?.[0] ?? 'user-001';
  const seconds = (stack.startupMs / 1000).toFixed(1);
  const demo = stack.demo.loadedNow
    ? `demo data loaded now (${stack.demo.size?.items} items, ${stack.demo.size?.users} users, ${stack.demo.size?.events} events)`
    : stack.demo.present
      ? 'demo data from an earlier start'
      : 'no demo data (--no-demo)';
  const lines = [
    '',
    `edgerec is running (ready in ${seconds} s; ${demo}).`,
    '',
    `  API            ${urls.api}`,
    `  API docs       ${urls.docs}`,
    `  OpenAPI        ${urls.api}/openapi.json`,
    `  Redis          ${urls.redis}`,
    `  Redis REST     ${urls.redisRest}`,
    `  Vector REST    ${urls.vectorRest}`,
    `  State          ${relative(process.cwd(), stack.stateDir) || '.'}/ (npm run reset clears it)`,
    '',
    'Local API keys (kept in the state directory; never use them anywhere else):',
    `  admin  ${keys.admin}`,
    `  write  ${keys.write}`,
    `  read   ${keys.read}`,
    '',
    'Try:',
    `  curl -s ${urls.api}/health`,
    `  curl -s -H 'Authorization: Bearer ${keys.read}' '${urls.api}/v1/users/${user}/recommendations?k=5&explain=true'`,
    `  curl -s -H 'Authorization: Bearer ${keys.read}' '${urls.api}/v1/trending?k=5'`,
    `  curl -s -X POST -H 'Authorization: Bearer ${keys.write}' -H 'content-type: application/json' \\`,
    `       -d '{"events":[{"userId":"${user}","itemId":"item-0001","type":"click"}]}' ${urls.api}/v1/events`,
    `  curl -s -X POST -H 'Authorization: Bearer ${keys.admin}' ${urls.api}/v1/admin/batch`,
    '',
    'Press Ctrl-C to stop.',
  ];
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const unknown = args.filter((a) => a !== '--no-demo');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]}\n${USAGE}`);
  const env = process.env;
  const stateDir = resolve(env.EDGEREC_STATE_DIR ?? join(REPO_ROOT, '.state'));
  const cronMinutes = Number(env.EDGEREC_LOCAL_CRON_MINUTES ?? '60');
  if (!Number.isFinite(cronMinutes) || cronMinutes < 0) {
    throw new Error('EDGEREC_LOCAL_CRON_MINUTES must be a number of minutes >= 0');
  }

  // Worker output is shown once start-up is over; before that only errors, to keep it readable.
  let ready = false;
  const onWorkerOutput = (line: string) => {
    if (ready || /error|✘/i.test(line)) console.log(`[workers] ${line}`);
  };
  const abort = new AbortController();
  console.log(`starting edgerec (state in ${relative(process.cwd(), stateDir) || '.'}/)…`);
  const starting = startStack({
    stateDir,
    ports: portsFromEnv(env),
    demo: !args.includes('--no-demo'),
    log: (message) => console.log(`  ${message}`),
    onWorkerOutput,
    cronIntervalMs: cronMinutes * 60_000,
    signal: abort.signal,
  });

  let stopping = false;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // tsx relays the terminal's Ctrl-C, so one key press can arrive twice: only a second press
      // (a moment later) forces the exit; the exit hook then kills the children outright.
      if (Date.now() - firstSignalAt < 1_000) return;
      console.log('forcing exit');
      process.exit(130);
    }
    stopping = true;
    firstSignalAt = Date.now();
    console.log(`\n${signal}: stopping…`);
    // During start-up the abort makes startStack stop what it started and reject.
    abort.abort();
    starting
      .then(
        (stack) => stack.stop(),
        () => undefined,
      )
      .then(
        () => {
          console.log('stopped.');
          process.exit(0);
        },
        (error: unknown) => {
          console.error(`stop failed: ${(error as Error).message}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let stack: RunningStack;
  try {
    stack = await starting;
  } catch (error) {
    if (stopping) return;
    throw error;
  }
  if (stopping) return;
  ready = true;
  printSummary(stack);
  if (cronMinutes > 0) {
    console.log(
      `(cron emulation: a batch run every ${cronMinutes} min; EDGEREC_LOCAL_CRON_MINUTES=0 turns it off)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
});
