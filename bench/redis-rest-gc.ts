/**
 * `npx tsx bench/redis-rest-gc.ts <recording> [--measure N] [--rounds R]`: the garbage collector
 * of the local Redis REST server (the stand-in for Upstash Redis) with the V8 flags the stack
 * gives it, and without them, on the same traffic.
 *
 * The traffic is a recording of a real run, made by
 * `npx tsx bench/ab-bundles.ts HEAD HEAD 3000 --record-redis <recording>`: the catalogue import,
 * the batch and the recommendations, exactly as the Redis REST server received them. Each variant
 * gets an empty redis-server (FLUSHALL, SCRIPT FLUSH) and a fresh REST server process with
 * `--trace-gc`, which is sent the whole recording in order, one request at a time on one
 * keep-alive connection (with one reordering, see `largestImportFirst`). Over the last `N`
 * requests (default 6000: the recommendations) it reports the client latency and what the
 * scavenges did meanwhile: how many, their pauses, and how much the heap kept after each
 * (survivors copied and promoted instead of freed; a full GC resets it); and how much the server
 * allocated per request.
 * The variants alternate which goes first from round to round.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import IORedis from 'ioredis';
import { freeLoopbackPort } from '../local/ports';
import { startRedisServer } from '../local/redis-server';
import { REST_SERVICE_V8_FLAGS, restServiceArgs } from '../local/stack';
import { REPO_ROOT } from './child-process';
import { percentile } from './stats';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args.splice(at, 2)[1]);
};
const measured = option('--measure', 6000);
const rounds = option('--rounds', 2);
const [recordingPath] = args;
if (!recordingPath || !(measured > 0) || !(rounds > 0)) {
  console.error(
    'usage: npx tsx bench/redis-rest-gc.ts <recording> [--measure N, default 6000] [--rounds R, default 2]\n' +
      'record one with: npx tsx bench/ab-bundles.ts HEAD HEAD 3000 --record-redis <recording>',
  );
  process.exit(2);
}
const TOKEN = 'gc-bench-token';

/** One recorded request (see `recordTo` in local/redis-rest/server.ts). */
interface Recorded {
  endpoint: 'single' | 'pipeline' | 'multi-exec';
  base64: boolean;
  body: string;
}

const PATHS = { single: '/', pipeline: '/pipeline', 'multi-exec': '/multi-exec' } as const;

/** A REST server process and its `--trace-gc` lines. */
interface TracedServer {
  url: string;
  gcLines: string[];
  child: ChildProcess;
}

async function startTraced(redisUrl: string, v8Flags: readonly string[]): Promise<TracedServer> {
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, restServiceArgs(['--trace-gc', ...v8Flags]), {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      EDGEREC_SERVICE: 'redis-rest',
      EDGEREC_SERVICE_PORT: String(port),
      EDGEREC_SERVICE_TOKEN: TOKEN,
      EDGEREC_SERVICE_REDIS_URL: redisUrl,
      EDGEREC_SERVICE_RECORD: '',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const gcLines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`redis-rest exited during start-up (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{"ready":true')) resolve((JSON.parse(line) as { url: string }).url);
      else gcLines.push(line);
    });
  });
  return { url, gcLines, child };
}

/** Sends one recorded request; resolves with the status once the whole answer has arrived. */
function send(url: string, agent: http.Agent, request: Recorded): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}${PATHS[request.endpoint]}`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          ...(request.base64 ? { 'upstash-encoding': 'base64' } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

interface VariantResult {
  flags: string;
  round: number;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  scavenges: number;
  scavengePauseMedianMs: number;
  scavengePauseMaxMs: number;
  keptMbPerScavenge: number;
  allocatedKbPerRequest: number;
  fullGcs: number;
}

async function runVariant(
  redisUrl: string,
  recording: readonly Recorded[],
  v8Flags: readonly string[],
  round: number,
): Promise<VariantResult> {
  const admin = new IORedis(redisUrl);
  await admin.flushall();
  await admin.script('FLUSH');
  admin.disconnect();
  const server = await startTraced(redisUrl, v8Flags);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const start = Math.max(0, recording.length - measured);
    for (const request of recording.slice(0, start)) await send(server.url, agent, request);
    server.gcLines.length = 0;
    const latencies: number[] = [];
    for (const request of recording.slice(start)) {
      const started = performance.now();
      await send(server.url, agent, request);
      latencies.push(performance.now() - started);
    }
    return {
      flags: v8Flags.join(' ') || '(none)',
      round,
      requests: latencies.length,
      ...summarise(latencies, server.gcLines),
    };
  } finally {
    agent.destroy();
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }
}

const GC_EVENT =
  /(Scavenge|Mark-Compact)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, ([\d.]+)/;

function summarise(latencies: number[], gcLines: readonly string[]) {
  const events = gcLines.flatMap((line) => {
    const m = GC_EVENT.exec(line);
    if (!m) return [];
    const [, kind, before, after, pause] = m;
    return [{ scavenge: kind === 'Scavenge', before: +before!, after: +after!, pause: +pause! }];
  });
  const scavenges = events.filter((e) => e.scavenge);
  // Heap growth from one scavenge to the next: what survived and stayed.
  let kept = 0;
  for (let i = 1; i < scavenges.length; i++) {
    kept += Math.max(0, scavenges[i]!.after - scavenges[i - 1]!.after);
  }
  // What the process allocated: the heap's growth between one collection and the next.
  let allocatedMb = 0;
  for (let i = 1; i < events.length; i++) {
    allocatedMb += Math.max(0, events[i]!.before - events[i - 1]!.after);
  }
  const pauses = scavenges.map((s) => s.pause);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    p50: round2(percentile(latencies, 50)),
    p99: round2(percentile(latencies, 99)),
    max: round2(Math.max(...latencies)),
    scavenges: scavenges.length,
    scavengePauseMedianMs: pauses.length ? round2(percentile(pauses, 50)) : 0,
    scavengePauseMaxMs: pauses.length ? round2(Math.max(...pauses)) : 0,
    keptMbPerScavenge: round2(kept / Math.max(1, scavenges.length - 1)),
    fullGcs: events.length - scavenges.length,
    allocatedKbPerRequest: Math.round((allocatedMb * 1024) / latencies.length),
  };
}

/**
 * The recording with the catalogue import's requests among the first 50 (the `GET`+`MGET`
 * pipelines that read the items, then the transactions that write them) each put in order of
 * decreasing size. The importer sends its chunks side by side, so their order in a recording is
 * up to chance, and it weighs on whether V8 starts allocating redis-parser's reply arrays in the
 * old generation. Without the flag, a recording with the larger chunks first did so in 3 replays
 * of 3; one with the smaller first in none of 4, and in 5 of 7 once reordered by this function.
 */
function largestImportFirst(recording: Recorded[]): Recorded[] {
  const out = [...recording];
  const kinds = [
    (r: Recorded) => r.endpoint === 'pipeline' && /^\[\["get",[^\]]*\],\["mget",/i.test(r.body),
    (r: Recorded) => r.endpoint === 'multi-exec',
  ];
  for (const isKind of kinds) {
    const slots = recording.slice(0, 50).flatMap((r, i) => (isKind(r) ? [i] : []));
    const sorted = slots.map((i) => recording[i]!).sort((a, b) => b.body.length - a.body.length);
    slots.forEach((slot, j) => (out[slot] = sorted[j]!));
  }
  return out;
}

async function main(): Promise<void> {
  const recording = largestImportFirst(
    readFileSync(recordingPath!, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Recorded),
  );
  console.log(`${recording.length} recorded requests, measuring the last ${measured}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'edgerec-gc-bench-'));
  const redis = await startRedisServer({ port: await freeLoopbackPort(), dataDir });
  try {
    const variants = [REST_SERVICE_V8_FLAGS['redis-rest'], []];
    for (let round = 1; round <= rounds; round++) {
      for (const flags of round % 2 ? variants : [...variants].reverse()) {
        console.log(JSON.stringify(await runVariant(redis.url, recording, flags, round)));
      }
    }
  } finally {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
