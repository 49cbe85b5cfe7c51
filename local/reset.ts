/**
 * `npm run reset`: deletes the local stack's state directory (keys, Redis data, vectors, local KV,
 * demo marker) so that the next `npm start` begins afresh. Refuses while a stack runs on it.
 */
import { existsSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './stack';
import { lockHolder } from './stack-lock';

const stateDir = resolve(process.env.EDGEREC_STATE_DIR ?? join(REPO_ROOT, '.state'));
const shown = relative(process.cwd(), stateDir) || stateDir;
const holder = existsSync(stateDir) ? lockHolder(stateDir) : null;
if (holder !== null) {
  console.error(
    `a stack is running on ${shown}/ (pid ${holder}): stop it (Ctrl-C) before resetting`,
  );
  process.exit(1);
} else if (!existsSync(stateDir)) {
  console.log(`nothing to reset: ${shown}/ does not exist`);
} else {
  rmSync(stateDir, { recursive: true, force: true });
  console.log(
    `removed ${shown}/ (keys, Redis data, vectors, local KV); the next npm start begins afresh`,
  );
}
