/** The machine and software a benchmark ran on, recorded with every result. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { REPO_ROOT } from './child-process';

export interface BenchEnvironment {
  date: string;
  command: string;
  machine: { os: string; arch: string; cpuModel: string; cores: number; memoryGiB: number };
  versions: { node: string; wrangler: string | null; redis: string | null; edgerec: string };
  git: { commit: string | null; dirty: boolean | null };
}

function packageVersion(path: string): string | null {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

function run(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** Collects the environment; nothing here reads secrets or personal data (no hostname, no user). */
export function collectEnvironment(command: string, now = new Date()): BenchEnvironment {
  const cpus = os.cpus();
  // Untracked files (a node_modules link, scratch files) do not change the measured code.
  const status = run('git', ['status', '--porcelain', '--untracked-files=no']);
  return {
    date: now.toISOString(),
    command,
    machine: {
      os: `${os.type()} ${os.release()}`,
      arch: os.arch(),
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      cores: cpus.length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    },
    versions: {
      node: process.version,
      wrangler: packageVersion(resolve(REPO_ROOT, 'node_modules', 'wrangler', 'package.json')),
      redis: run('redis-server', ['--version'])?.match(/v=(\S+)/)?.[1] ?? null,
      edgerec: packageVersion(resolve(REPO_ROOT, 'package.json')) ?? 'unknown',
    },
    git: {
      commit: run('git', ['rev-parse', 'HEAD']),
      dirty: status === null ? null : status !== '',
    },
  };
}
