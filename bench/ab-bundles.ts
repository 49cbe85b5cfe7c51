/**
 * `npx tsx bench/ab-bundles.ts <rev-a> <rev-b> [requests]`: the API worker of two git revisions
 * side by side, on one stack and one machine state, so that a change is judged by a ratio in one
 * run rather than by two runs minutes apart on a noisy shared machine.
 *
 * Starts a benchmark stack (empty stores), posts the MovieLens-100K catalogue and training split
 * (or the generated stand-in when ../shared is absent) and runs the batch with the working tree's
 * code; builds each revision's deploy bundle from a temporary git worktree and serves both in
 * plain workerd (bench/direct-api.ts) beside the stack. Then it sends `requests` cache-hit
 * recommendations to each, alternating which goes first, over the users of the latency
 * benchmark's cache-hit target, and prints per revision the client time, the handler's
 * `Server-Timing` total and Redis stage, and the CPU each process used per request (/proc).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './child-process';
import { loadMl100kSplit, ml100kMissing, standInRatings } from './datasets';
import { buildApiBundle, startDirectApi, type DirectApi } from './direct-api';
import { importItems, importRatings } from './importer';
import { splitKnownUsers } from './latency';
import { allocatePorts, stackLauncher } from './stack';
import { summariseSample } from './stats';

const [revA, revB, requestsArg] = process.argv.slice(2);
if (!revA || !revB) {
  console.error('usage: npx tsx bench/ab-bundles.ts <rev-a> <rev-b> [requests, default 2000]');
  process.exit(2);
}
const requests = Number(requestsArg ?? 2000);

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
  const scratch = mkdtempSync(join(tmpdir(), 'edgerec-ab-'));
  const launch = stackLauncher(await allocatePorts(), (line) => console.log(line));
  const stack = await launch({ stateDir: join(scratch, 'state'), realtime: 'on' });
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
    for (const rev of revs)
      apis.push(await startDirectApi(await bundleOf(rev, scratch), stack.stateDir));
    // The latency benchmark's cache-hit users (bench/run.ts knows users by the test split).
    const { cacheUsers: users } = splitKnownUsers([...new Set(data.test.map((r) => r.userId))]);
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

    const samples = revs.map(() => ({
      client: [] as number[],
      total: [] as number[],
      redis: [] as number[],
      failed: 0,
    }));
    let next = 0;
    const round = async (keep: boolean) => {
      const userId = users[next++ % users.length]!;
      const order = next % 2 ? [0, 1] : [1, 0];
      for (const i of order) {
        const r = await get(apis[i]!, userId);
        if (!keep) continue;
        const s = samples[i]!;
        if (r.status !== 200) s.failed += 1;
        s.client.push(r.ms);
        const total = /(?:^|,)\s*total;dur=([\d.]+)/.exec(r.timing);
        if (total) s.total.push(Number(total[1]));
        const redis = /(?:^|,)\s*redis;desc="[^"]*";dur=([\d.]+)/.exec(r.timing);
        if (redis) s.redis.push(Number(redis[1]));
      }
    };
    for (let i = 0; i < 200; i++) await round(false);
    const before = cpuTicks();
    for (let i = 0; i < requests; i++) await round(true);
    const after = cpuTicks();

    const fmt = (xs: number[]) => {
      if (xs.length === 0) return 'not reported';
      const s = summariseSample(xs);
      return `mean ${s.mean.toFixed(2)} p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)}`;
    };
    revs.forEach((rev, i) => {
      const s = samples[i]!;
      console.log(`\n${rev}: ${s.client.length} answers, ${s.failed} not 200`);
      console.log(`  client ms   ${fmt(s.client)}`);
      console.log(`  handler ms  ${fmt(s.total)}`);
      console.log(`  redis ms    ${fmt(s.redis)}`);
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
  } finally {
    for (const api of apis) await api.close();
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
