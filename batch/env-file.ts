/** Reads the settings the command-line entries need: the environment, else a `.dev.vars` file. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Parses dotenv text as wrangler writes and reads `.dev.vars`: `NAME=value`, `NAME='literal'`,
 * `NAME="with \\n escapes"`, `#` comments and blank lines.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, name, rest] = match as unknown as [string, string, string];
    let value = rest;
    if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) {
      value = value.slice(1, -1);
    } else if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    vars[name] = value;
  }
  return vars;
}

/**
 * Where a developer and the local stack (`npm start`, state in `EDGEREC_STATE_DIR`, default
 * `.state`) keep the workers' settings, in order of precedence.
 */
export function envFileCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    '.dev.vars',
    join(env.EDGEREC_STATE_DIR ?? '.state', 'workers', '.dev.vars'),
    'batch/.dev.vars',
  ];
}

/**
 * The settings of a command-line run: the first `.dev.vars` found (relative to `root`), overridden
 * by the process environment, so `UPSTASH_REDIS_REST_URL=… npm run batch` always wins.
 * `EDGEREC_SETTINGS_FILE` names another file, or `none` to read the environment only.
 */
export function loadSettings(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): { vars: Record<string, unknown>; source: string } {
  let fromFile: Record<string, string> = {};
  let source = 'environment';
  const chosen = env.EDGEREC_SETTINGS_FILE;
  const candidates = chosen === 'none' ? [] : chosen ? [chosen] : envFileCandidates(env);
  for (const candidate of candidates) {
    const path = resolve(root, candidate);
    if (existsSync(path)) {
      fromFile = parseEnvFile(readFileSync(path, 'utf8'));
      source = `${candidate} + environment`;
      break;
    }
  }
  const vars: Record<string, unknown> = { ...fromFile };
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (name.startsWith('UPSTASH_') || name.startsWith('EDGEREC_'))) {
      vars[name] = value;
    }
  }
  return { vars, source };
}
