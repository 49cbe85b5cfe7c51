/**
 * `npx tsx bench/ab-bundles.ts <rev-a> <rev-b> [requests] [--target cache-hit|ann|cold-user]`:
 * the API worker of two git revisions side by side, on one stack and one machine state, so that a
 * change is judged by a ratio in one run rather than by two runs minutes apart on a noisy shared
 * machine.
 *
 * Starts a benchmark stack (empty stores), posts the MovieLens-100K catalogue and training split
 * (or the generated stand-in when ../shared is absent) and runs the batch with the working tree's
 * code; builds each revision's deploy bundle from a temporary git worktree and serves both in
 * plain workerd (bench/direct-api.ts) beside the stack. Then it sends `requests` recommendations
 * to each, alternating which goes first, over the users of one of the latency benchmark's targets
 * (`cache-hit`, the default: users the batch knows; `ann`: users the batch never saw, with five
 * real-time ratings each; `cold-user`: a new id per request), and prints per revision the client
 * time, the handler's `Server-Timing` stages, where the slowest 1% of requests spent their time,
 * and the CPU each process used per request (/proc). With `--record-redis <file>`, the stack's
 * Redis REST server appends every request it answers to `file`, for `bench/redis-rest-gc.ts`. With
 * `--profile <file>`, the second revision's workerd is CPU-profiled through the V8 inspector during
 * the measured requests: the profile goes to `file` (DevTools opens it) and the functions with the
 * most self time are printed.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchApi } from './api-client';
import { REPO_ROOT } from './child-process';
import { loadMl100kSplit, ml100kMissing, standInRatings } from './datasets';
import { selfShares, startCpuProfile } from './cpu-profile';
import { buildApiBundle, DIRECT_API_NAME, startDirectApi, type DirectApi } from './direct-api';
import { importItems, importRatings } from './importer';
import { annUserEvents, splitKnownUsers } from './latency';
import type { Rating } from './ratings';
import { parseServerTiming } from './server-timing';
import { stablePorts } from '../local/ports';
import { allocateStackPorts } from '../local/stack';
import { stackLauncher } from './stack';
import { summariseSample } from './stats';

const TARGETS = ['cache-hit', 'ann', 'cold-user'] as const;
const args = process.argv.slice(2);
const targetAt = args.indexOf('--target');
const target = targetAt < 0 ? 'cache-hit' : args.splice(targetAt, 2)[1];
const recordAt = args.indexOf('--record-redis');
const recordTo = recordAt < 0 ? undefined : args.splice(recordAt, 2)[1];
const profileAt = args.indexOf('--profile');
const profileTo = profileAt < 0 ? undefined : args.splice(profileAt, 2)[1];
const [revA, revB, requestsArg] = args;
const requests = Number(requestsArg ?? 2000);
if (!revA || !revB || !TARGETS.includes(target as never) || !(requests > 0)) {
  console.error(
    'usage: npx tsx bench/ab-bundles.ts <rev-a> <rev-b> [requests, default 2000] ' +
      `[--target ${TARGETS.join('|')}] [--record-redis <file>] [--profile <file.cpuprofile>]`,
  );
  process.exit(2);
}

/** The deploy bundle of `rev`, built in a throwaway worktree sharing this checkout's node_modules. */
async function bundleOf(rev: string, scratch: string): Promise<string> {
  const tree = join(scratch, `tree-${rev.replace(/[^\w.-]/g, '_')}`);
  execFileSync('git', ['worktree', 'add', '--detach', tree, rev], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  try {
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(tree, 'node_modules'));
    return await buildApiBundle(tree, join(scratch, `bundle-${rev.replace(/[^\w.-]/g, '_')}`));
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', tree], {
      cwd: REPO_ROOT,
      stdio: 'ignore',
    });
  }
}

/** CPU ticks (user + system) per pid, and each pid's command line. */
function cpuTicks(): Map<number, { ticks: number; command: string }> {
  const out = new Map<number, { ticks: number; command: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.set(Number(name), { ticks: Number(fields[11]) + Number(fields[12]), command });
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

async function main(): Promise<void> {
  // Read by the stack's Redis REST server process (local/rest-service.ts), which inherits it.
  if (recordTo) {
    writeFileSync(recordTo, '');
    process.env.EDGEREC_SERVICE_RECORD = resolve(recordTo);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'edgerec-ab-'));
  const launch = stackLauncher(await allocateStackPorts(), (line) => console.log(line));
  const stack = await launch({
    stateDir: join(scratch, 'state'),
    realtime: 'on',
    persistence: false,
  });
  const apis: DirectApi[] = [];
  try {
    const data = ml100kMissing() ? standInRatings() : loadMl100kSplit();
    const trained = new Set(data.train.map((r) => r.itemId));
    await importItems(
      stack.api,
      data.items.filter((i) => trained.has(i.itemId)),
    );
    await importRatings(stack.api, data.train, { prefix: 'q' });
    console.log(`batch: ${(await stack.api.runBatch(20 * 60 * 1000)).report.version}`);

    const revs = [revA!, revB!];
    // The second revision's workerd serves the V8 inspector when its CPU is to be profiled.
    const [inspectorPort] = await stablePorts(1);
    for (const [i, rev] of revs.entries()) {
      const bundle = await bundleOf(rev, scratch);
      const inspect = profileTo !== undefined && i === 1 ? inspectorPort : undefined;
      apis.push(await startDirectApi(bundle, stack.stateDir, inspect));
    }
    const userOf = await usersFor(stack.api, data);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (api: DirectApi, userId: string) =>
      new Promise<{ ms: number; timing: string; status: number }>((resolve, reject) => {
        const started = performance.now();
        const path = `/v1/users/${encodeURIComponent(userId)}/recommendations?k=10`;
        http
          .get(
            api.url + path,
            { agent, headers: { ...api.headers, authorization: `Bearer ${stack.keys.read}` } },
            (res) => {
              res.resume();
              res.on('end', () =>
                resolve({
                  ms: performance.now() - started,
                  timing: String(res.headers['server-timing'] ?? ''),
                  status: res.statusCode ?? 0,
                }),
              );
            },
          )
          .on('error', reject);
      });

    const samples = revs.map(() => ({ answers: [] as Answer[], failed: 0 }));
    let next = 0;
    const round = async (keep: boolean) => {
      const userId = userOf(next++);
      const order = next % 2 ? [0, 1] : [1, 0];
      for (const i of order) {
        const r = await get(apis[i]!, userId);
        if (!keep) continue;
        const s = samples[i]!;
        if (r.status !== 200) s.failed += 1;
        s.answers.push({ client: r.ms, stages: stagesOf(r.timing) });
      }
    };
    for (let i = 0; i < 200; i++) await round(false);
    const profiling =
      profileTo === undefined ? null : await startCpuProfile(inspectorPort!, DIRECT_API_NAME);
    const before = cpuTicks();
    for (let i = 0; i < requests; i++) await round(true);
    const after = cpuTicks();
    const profile = await profiling?.stop();

    console.log(`\ntarget ${target}`);
    revs.forEach((rev, i) => {
      const s = samples[i]!;
      console.log(`\n${rev}: ${s.answers.length} answers, ${s.failed} not 200`);
      report(s.answers);
    });
    console.log(`\nCPU ms per request pair (both revisions), by process:`);
    const used = [...after]
      .map(([pid, a]) => ({
        pid,
        command: a.command,
        ms: ((a.ticks - (before.get(pid)?.ticks ?? a.ticks)) * 10) / requests,
      }))
      .filter((p) => p.ms > 0.05)
      .sort((a, b) => b.ms - a.ms);
    for (const p of used.slice(0, 8))
      console.log(`  ${p.ms.toFixed(2).padStart(6)}  ${p.pid}  ${p.command.slice(0, 100)}`);
    console.log(
      '(the two workerd processes serving the revisions were started in the order given)',
    );
    if (profile && profileTo) {
      writeFileSync(profileTo, JSON.stringify(profile));
      console.log(
        `\n${revB}: CPU profile in ${profileTo}; share of the samples (not idle) by function, ` +
          'most self time first:',
      );
      for (const f of selfShares(profile).slice(0, 30))
        console.log(`  ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.name}`);
    }
  } finally {
    for (const api of apis) await api.close();
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One measured answer: client milliseconds and the handler's `Server-Timing` stages. */
interface Answer {
  client: number;
  stages: Map<string, number>;
}

/** `Server-Timing` durations by stage name (a name given twice is summed, e.g. two `memory`). */
function stagesOf(header: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of parseServerTiming(header)) {
    if (m.dur !== undefined) out.set(m.name, (out.get(m.name) ?? 0) + m.dur);
  }
  return out;
}

/**
 * Client time and handler stages over all answers, then the same means over the slowest 1% by
 * client time: whether the tail is spent in a stage, in the handler outside the stages, or
 * outside the handler (network, queueing for a core, the client).
 */
function report(answers: readonly Answer[]): void {
  const fmt = (xs: number[]) => {
    if (xs.length === 0) return 'not reported';
    const s = summariseSample(xs);
    return `mean ${s.mean.toFixed(2)} p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} max ${s.max.toFixed(1)}`;
  };
  const names = [...new Set(answers.flatMap((a) => [...a.stages.keys()]))];
  console.log(`  client ms    ${fmt(answers.map((a) => a.client))}`);
  for (const name of names) {
    const xs = answers.flatMap((a) => (a.stages.has(name) ? [a.stages.get(name)!] : []));
    console.log(`  ${name.padEnd(12)} ${fmt(xs)}  (${xs.length} answers)`);
  }
  const slow = [...answers]
    .sort((a, b) => b.client - a.client)
    .slice(0, Math.ceil(answers.length / 100));
  const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / Math.max(1, xs.length);
  const parts = [`client ${mean(slow.map((a) => a.client)).toFixed(2)}`];
  for (const name of names)
    parts.push(`${name} ${mean(slow.map((a) => a.stages.get(name) ?? 0)).toFixed(2)}`);
  console.log(`  slowest ${slow.length}, mean ms: ${parts.join(', ')}`);
}

/**
 * The user of the `n`-th request: the latency benchmark's cache-hit users (it knows users by the
 * test split), new users with five real-time ratings each (ANN), or a new id each time.
 */
async function usersFor(
  api: BenchApi,
  data: { train: readonly Rating[]; test: readonly Rating[] },
): Promise<(n: number) => string> {
  if (target === 'cold-user') return (n) => `cold-ab-${n}`;
  if (target === 'cache-hit') {
    const { cacheUsers } = splitKnownUsers([...new Set(data.test.map((r) => r.userId))]);
    return (n) => cacheUsers[n % cacheUsers.length]!;
  }
  const items = [...new Set(data.train.map((r) => r.itemId))];
  const users = Array.from({ length: 200 }, (_, u) => `ann-ab-${u}`);
  const events = annUserEvents('ab', users, 5, items);
  for (let i = 0; i < events.length; i += 500) await api.postEvents(events.slice(i, i + 500));
  return (n) => users[n % users.length]!;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
