/**
 * The redis-server launcher (local/redis-server.ts) with a real redis-server, and how the REST
 * server behaves when that backend goes away and comes back.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis as IORedis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedisRestServer } from '../../local/redis-rest/server';
import {
  INSTALL_REDIS_HINT,
  findRedisServer,
  resolveRedis,
  startRedisServer,
} from '../../local/redis-server';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgerec-redis-launcher-'));
  dirs.push(dir);
  return dir;
}

/** A port nothing listens on (bound once by the OS, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('resolveRedis and findRedisServer', () => {
  it('finds nothing on an empty PATH and explains how to install Redis in one line', async () => {
    expect(findRedisServer('')).toBeNull();
    const error = await resolveRedis({ port: 1, dataDir: tempDir() }, { PATH: '' }).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(INSTALL_REDIS_HINT);
    expect(INSTALL_REDIS_HINT).not.toContain('\n');
    expect(INSTALL_REDIS_HINT).toContain('apt-get install redis-server');
    expect(INSTALL_REDIS_HINT).toContain('brew install redis');
  });

  it('uses REDIS_URL when set and leaves that server alone', async () => {
    const redis = await resolveRedis(
      { port: 1, dataDir: tempDir() },
      { REDIS_URL: 'redis://127.0.0.1:6399', PATH: '' },
    );
    expect(redis.url).toBe('redis://127.0.0.1:6399');
    await expect(redis.stop()).resolves.toBeUndefined();
  });
});

describe.skipIf(!findRedisServer())('startRedisServer', () => {
  it('refuses a non-loopback host', async () => {
    await expect(
      startRedisServer({ port: 7000, dataDir: tempDir(), host: '0.0.0.0' }),
    ).rejects.toThrow(/loopback only/);
  });

  it('binds to loopback with protected mode and keeps data across a restart', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const first = await startRedisServer({ port, dataDir });
    expect(first.url).toBe(`redis://127.0.0.1:${port}`);
    const conn = new IORedis(first.url);
    expect(await conn.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    expect(await conn.config('GET', 'protected-mode')).toEqual(['protected-mode', 'yes']);
    expect(await conn.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await conn.config('GET', 'save')).toEqual(['save', '3600 1 300 100 60 10000']);
    await conn.set('survives', 'restart');
    conn.disconnect();
    await first.stop();
    expect(existsSync(join(dataDir, 'dump.rdb'))).toBe(true);
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(true);

    const second = await startRedisServer({ port, dataDir });
    const again = new IORedis(second.url);
    expect(await again.get('survives')).toBe('restart');
    again.disconnect();
    await second.stop();
    await expect(second.stop()).resolves.toBeUndefined();
  });

  it('writes nothing to disk without persistence', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const redis = await startRedisServer({ port, dataDir, persistence: false });
    const conn = new IORedis(redis.url);
    expect(await conn.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await conn.config('GET', 'save')).toEqual(['save', '']);
    await conn.set('gone', 'after stop');
    conn.disconnect();
    await redis.stop();
    expect(existsSync(join(dataDir, 'dump.rdb'))).toBe(false);
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(false);
  });

  it('fails with redis-server output when the port is taken', async () => {
    const port = await freePort();
    const first = await startRedisServer({ port, dataDir: tempDir() });
    try {
      await expect(startRedisServer({ port, dataDir: tempDir() })).rejects.toThrow(
        /exited during start-up.*(in use|bind)/i,
      );
    } finally {
      await first.stop();
    }
  });

  it('lets the REST server answer 503 JSON while redis is down and recover after', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    let redis = await startRedisServer({ port, dataDir });
    const rest = await startRedisRestServer({
      port: 0,
      token: 't',
      redisUrl: redis.url,
      warn: () => {},
    });
    const closedWhileDown = await startRedisRestServer({
      port: 0,
      token: 't',
      redisUrl: redis.url,
      warn: () => {},
    });
    const call = async (path: string, body: unknown) => {
      const res = await fetch(`${rest.url}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer t' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as unknown };
    };
    try {
      expect(await call('', ['set', 'k', 'v'])).toEqual({ status: 200, json: { result: 'OK' } });
      await redis.stop();
      for (const [path, body] of [
        ['', ['get', 'k']],
        ['/pipeline', [['get', 'k']]],
        ['/multi-exec', [['get', 'k']]],
      ] as const) {
        const down = await call(path, body);
        expect(down.status).toBe(503);
        expect(down.json).toEqual({
          error: expect.stringMatching(/^ERR redis backend unavailable/),
        });
      }
      const closing = Date.now();
      await closedWhileDown.close();
      expect(Date.now() - closing).toBeLessThan(2_000);
      redis = await startRedisServer({ port, dataDir });
      await expect
        .poll(async () => (await call('', ['get', 'k'])).json, { timeout: 10_000, interval: 200 })
        .toEqual({ result: 'v' });
      expect((await call('/multi-exec', [['get', 'k']])).json).toEqual([{ result: 'v' }]);
    } finally {
      await rest.close();
      await redis.stop();
    }
  });
});
