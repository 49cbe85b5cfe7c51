/**
 * The API worker in plain workerd through Miniflare, beside a running stack and sharing its stores
 * (the same Redis REST and vector servers, the same persisted KV): the runtime a deployed Worker
 * has, without what `wrangler dev` adds for development — a proxy worker in a second workerd
 * process in front of every request (it holds requests while a reload is in progress), the
 * devtools inspector and the log forwarding. The worker is the bundle `wrangler deploy` would
 * upload (`--dry-run --outdir`), configured by `unstable_getMiniflareWorkerOptions` from the
 * stack's copy of wrangler.toml and its `.dev.vars`, as @cloudflare/vitest-pool-workers does.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Miniflare, type WorkerOptions } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { workerConfigPaths } from '../local/wrangler-dev';

export const DIRECT_API_NAME = 'edgerec-api-direct';

/** A running direct API. */
export interface DirectApi {
  url: string;
  /** Headers every request must carry (`MF-CF-Blob`: the `request.cf` workerd gives the worker). */
  headers: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Builds the API worker's deploy bundle (`wrangler deploy --dry-run`) from the repository's
 * wrangler.toml into `outdir`; returns the path of the entry module.
 */
export async function buildApiBundle(repoRoot: string, outdir: string): Promise<string> {
  const wrangler = join(repoRoot, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  await promisify(execFile)(
    process.execPath,
    [wrangler, 'deploy', '--dry-run', '--outdir', outdir, '-c', join(repoRoot, 'wrangler.toml')],
    {
      cwd: repoRoot,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return join(outdir, 'index.js');
}

/**
 * Serves the bundle (`buildApiBundle`) on a free loopback port with the settings and stores of the
 * stack whose state folder is `stateDir`. The batch worker is not served here: `BATCH` answers
 * 503, so only the public read and write endpoints are meant to be measured through it.
 */
export async function startDirectApi(
  bundle: string,
  stateDir: string,
  /** Serves the V8 inspector on this port (for `bench/cpu-profile.ts`); default none. */
  inspectorPort?: number,
): Promise<DirectApi> {
  // Bindings, compatibility settings and `.dev.vars` of the stack's copy of wrangler.toml.
  const { workerOptions } = unstable_getMiniflareWorkerOptions(workerConfigPaths(stateDir).api);
  const mf = new Miniflare({
    ...(workerOptions as WorkerOptions),
    name: DIRECT_API_NAME,
    modules: true,
    scriptPath: bundle,
    modulesRoot: dirname(bundle),
    serviceBindings: {
      BATCH: () =>
        new Response('{"error":"the batch worker is not served by the direct API"}', {
          status: 503,
          headers: { 'content-type': 'application/json' },
        }),
    },
    // The KV data `wrangler dev --persist-to <stateDir>/wrangler` wrote (its layout: v3/kv).
    kvPersist: join(stateDir, 'wrangler', 'v3', 'kv'),
    // Miniflare removes `CF-Connecting-IP` from outgoing requests with a worker of its own that
    // every subrequest passes through; Cloudflare does that outside the isolate, and the API sets
    // no such header, so that hop (0.4 ms per Redis round trip here) is left out.
    stripCfConnectingIp: false,
    // Requests reach the worker on a socket of its own, not through Miniflare's entry worker (a
    // JavaScript router in front of every request locally, 0.6 ms of CPU each here). workerd
    // then takes `request.cf` from the `MF-CF-Blob` header, as Cloudflare's edge supplies it
    // natively: the client sends the object the entry worker would have added.
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    host: '127.0.0.1',
    port: 0,
    ...(inspectorPort === undefined ? {} : { inspectorPort }),
  });
  await mf.ready;
  const url = (await mf.unsafeGetDirectURL(DIRECT_API_NAME)).origin;
  const headers = { 'MF-CF-Blob': JSON.stringify(await mf.getCf()) };
  return { url, headers, close: () => mf.dispose() };
}
