/**
 * `GET /docs` in a real browser (headless Chromium through playwright-core) against the running
 * stack: the page renders every path of /openapi.json, including the public API of the brief,
 * without script errors and without fetching anything from outside the stack.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type RunningStack } from '../../local/stack';
import { allocateStackPorts, isolatedEnv } from './stack-env';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `docs-page browser test skipped: ${CHROMIUM} not found (apt-get install -y chromium; CI installs it)`,
  );
}

/** The public API of the product brief, as OpenAPI paths. */
const BRIEF_PATHS = [
  '/v1/events',
  '/v1/items',
  '/v1/items/{itemId}',
  '/v1/users/{userId}/recommendations',
  '/v1/items/{itemId}/similar',
  '/v1/trending',
  '/v1/admin/batch',
  '/v1/admin/batch/{runId}',
  '/v1/admin/status',
  '/v1/admin/rollback',
  '/health',
];

describe.skipIf(!hasChromium)(`GET /docs in Chromium (needs ${CHROMIUM})`, () => {
  let stateDir: string;
  let stack: RunningStack;
  let browser: Browser;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'edgerec-docs-page-'));
    stack = await startStack({
      stateDir,
      ports: await allocateStackPorts(),
      demo: false,
      env: isolatedEnv(),
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('renders every path of the OpenAPI document, the brief’s API included', async () => {
    const spec = (await (await fetch(`${stack.urls.api}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const specPaths = Object.keys(spec.paths);
    expect(specPaths).toEqual(expect.arrayContaining(BRIEF_PATHS));

    const page = await browser.newPage();
    const pageErrors: string[] = [];
    const foreignRequests: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(stack.urls.api)) foreignRequests.push(request.url());
    });
    const response = await page.goto(stack.urls.docs);
    expect(response?.status()).toBe(200);
    // The page fetches /openapi.json and renders one section per operation.
    await page.waitForSelector('section.op', { timeout: 30_000 });
    const text = await page.locator('main').innerText();
    for (const path of specPaths) expect(text, `rendered ${path}`).toContain(path);
    const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
    const operations = Object.values(spec.paths).reduce(
      (n, ops) => n + Object.keys(ops).filter((m) => methods.has(m)).length,
      0,
    );
    expect(await page.locator('section.op').count()).toBe(operations);
    expect(await page.title()).toMatch(/edgerec/i);
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });
});
