/** Runs the project's own command-line tools as child processes and reads their JSON output. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root (bench/ lives directly under it). */
export const REPO_ROOT = resolve(import.meta.dirname, '..');

/** Result of one child run. */
export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `tsx <script> ...args` from the repository root with a time limit; the child's stderr is
 * kept (not echoed) so that progress bars do not garble the benchmark's own output.
 */
export function runTsx(
  script: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: Record<string, string> },
): Promise<ChildRun> {
  const tsx = resolve(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tsx, [script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** True when a script of the repository exists (another part of the project may not have landed). */
export function scriptExists(script: string): boolean {
  return existsSync(resolve(REPO_ROOT, script));
}

/**
 * The last complete JSON value printed on stdout: a whole-output JSON document, or else the last
 * line that parses as a JSON object (tools may print progress lines before it).
 */
export function lastJson(stdout: string): unknown {
  const trimmed = stdout.trim();
  if (trimmed === '') return null;
  try {
    return JSON.parse(trimmed);
  } catch {
    // fall through to line-wise search
  }
  const lines = trimmed.split(/\r?\n/).reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith('{') && !t.startsWith('[')) continue;
    try {
      return JSON.parse(t);
    } catch {
      continue;
    }
  }
  // A pretty-printed object at the end: find the last line that starts one.
  const all = trimmed.split(/\r?\n/);
  for (let i = all.length - 1; i >= 0; i--) {
    if (!all[i]?.startsWith('{')) continue;
    try {
      return JSON.parse(all.slice(i).join('\n'));
    } catch {
      continue;
    }
  }
  return null;
}

/** The last lines of a child's stderr, for an error message. */
export function tail(text: string, lines = 8): string {
  return text.trim().split(/\r?\n/).slice(-lines).join('\n');
}
