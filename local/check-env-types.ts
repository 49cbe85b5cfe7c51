/** Fails when worker-configuration.d.ts no longer matches wrangler.toml + batch/wrangler.toml. */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

// Generated beside the real file so that the relative import paths inside it are the same.
const out = '.worker-configuration.check.d.ts';
try {
  execFileSync(
    'npx',
    [
      'wrangler',
      'types',
      '--include-runtime=false',
      '-c',
      'wrangler.toml',
      '-c',
      'batch/wrangler.toml',
      out,
    ],
    { stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );
  // The second line names the output path and a hash of the command; compare the rest.
  const body = (text: string) => text.split('\n').slice(2).join('\n');
  if (body(readFileSync(out, 'utf8')) !== body(readFileSync('worker-configuration.d.ts', 'utf8'))) {
    console.error('worker-configuration.d.ts is out of date: run `npm run cf-typegen`.');
    process.exitCode = 1;
  } else {
    console.log('worker-configuration.d.ts matches the wrangler configs.');
  }
} finally {
  rmSync(out, { force: true });
}
