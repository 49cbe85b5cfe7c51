import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDevVars, writeDevVars } from './dev-vars';

const made: string[] = [];
/** A fresh temporary directory, removed after the file's tests. */
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgerec-devvars-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('renderDevVars', () => {
  it('single-quotes values so that JSON keeps its double quotes', () => {
    const text = renderDevVars({ A: 'x', EDGEREC_API_KEYS: '[{"id":"k"}]' }, 'header');
    expect(text).toBe(`# header\nA='x'\nEDGEREC_API_KEYS='[{"id":"k"}]'\n`);
  });

  it('refuses names and values it cannot write safely', () => {
    expect(() => renderDevVars({ 'bad-name': 'x' }, 'h')).toThrow(/invalid variable name/);
    expect(() => renderDevVars({ A: "it's" }, 'h')).toThrow(/single quotes/);
    expect(() => renderDevVars({ A: 'a\nB=b' }, 'h')).toThrow(/line breaks/);
  });
});

describe('writeDevVars', () => {
  it('writes a file only its owner can read', () => {
    const path = join(tempDir(), '.dev.vars');
    writeDevVars(path, { TOKEN: 'secret' }, 'h');
    expect(readFileSync(path, 'utf8')).toContain("TOKEN='secret'");
    expect(statSync(path).mode & 0o077).toBe(0);
  });
});
