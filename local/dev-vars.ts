/** Renders and writes `.dev.vars` files: the secrets and settings wrangler dev gives a worker. */
import { writeFileSync } from 'node:fs';

/**
 * Renders `vars` in the dotenv syntax wrangler reads. Values are single-quoted, which wrangler's
 * parser takes literally (JSON such as `EDGEREC_API_KEYS` keeps its double quotes).
 */
export function renderDevVars(vars: Record<string, string>, header: string): string {
  const lines = [`# ${header}`];
  for (const [name, value] of Object.entries(vars)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`invalid variable name ${name}`);
    if (/['\n\r]/.test(value)) {
      throw new Error(`${name}: values with single quotes or line breaks are not supported`);
    }
    lines.push(`${name}='${value}'`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes a `.dev.vars` file readable by its owner only (it holds secrets). */
export function writeDevVars(path: string, vars: Record<string, string>, header: string): void {
  writeFileSync(path, renderDevVars(vars, header), { mode: 0o600 });
}
