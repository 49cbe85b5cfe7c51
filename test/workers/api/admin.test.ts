import { describe, expect, it } from 'vitest';
import { createApp } from '../../../workers/api/app';
import { testEnv } from './api-client';

const admin = { Authorization: 'Bearer test-admin-key', 'Content-Type': 'application/json' };

/** A stand-in batch worker that records the requests it gets and answers like the real one. */
function fakeBatch(answer: (req: Request) => Response) {
  const seen: { method: string; path: string; body: string }[] = [];
  const binding = {
    fetch: async (input: Request) => {
      seen.push({
        method: input.method,
        path: new URL(input.url).pathname,
        body: await input.text(),
      });
      return answer(input);
    },
  };
  return { seen, binding };
}

function call(binding: unknown, path: string, init: RequestInit = {}) {
  return createApp().request(
    path,
    { ...init, headers: admin },
    {
      ...testEnv,
      BATCH: binding as typeof testEnv.BATCH,
      EDGEREC_RATE_LIMIT_PER_MINUTE: '0',
    },
  );
}

describe('admin routes proxy the batch worker', () => {
  it('starts a run with the given settings and passes 202 {runId} through', async () => {
    const { seen, binding } = fakeBatch(() => Response.json({ runId: 'run-1' }, { status: 202 }));
    const res = await call(binding, '/v1/admin/batch', {
      method: 'POST',
      body: JSON.stringify({ seed: 7 }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ runId: 'run-1' });
    expect(seen).toEqual([{ method: 'POST', path: '/runs', body: '{"seed":7}' }]);
  });

  it('validates the run settings before calling the batch worker', async () => {
    const { seen, binding } = fakeBatch(() => Response.json({}));
    const res = await call(binding, '/v1/admin/batch', {
      method: 'POST',
      body: JSON.stringify({ dims: 1 }),
    });
    expect(res.status).toBe(400);
    expect(seen).toEqual([]);
  });

  it("passes the batch worker's refusals on as problems with their members (409 locked)", async () => {
    const { binding } = fakeBatch(() =>
      Response.json(
        {
          type: 'batch-locked',
          title: 'batch locked',
          status: 409,
          detail: 'another run holds the lock',
          runId: 'run-0',
        },
        { status: 409 },
      ),
    );
    const res = await call(binding, '/v1/admin/batch', { method: 'POST', body: '{}' });
    expect(res.status).toBe(409);
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      type: 'https://edgerec.dev/problems/batch-locked',
      code: 'batch-locked',
      status: 409,
      runId: 'run-0',
    });
  });

  it('follows a run, shows status with the edge view, and rolls back', async () => {
    const { seen, binding } = fakeBatch((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/runs/run-9') return Response.json({ runId: 'run-9', state: 'running' });
      if (path === '/status') return Response.json({ current: 'v2', previous: 'v1' });
      return Response.json({ current: 'v1', previous: null });
    });
    expect(await (await call(binding, '/v1/admin/batch/run-9')).json()).toEqual({
      runId: 'run-9',
      state: 'running',
    });
    const status = (await (await call(binding, '/v1/admin/status')).json()) as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({ current: 'v2', previous: 'v1' });
    expect(status).toHaveProperty('edge.servedVersion');
    const rolled = await call(binding, '/v1/admin/rollback', { method: 'POST' });
    expect(await rolled.json()).toEqual({ current: 'v1', previous: null });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /runs/run-9',
      'GET /status',
      'POST /rollback',
    ]);
  });

  it('answers 503 (not 500) when the binding throws or answers a 5xx', async () => {
    const throwing = {
      fetch: async () => {
        throw new Error('no such service');
      },
    };
    expect((await call(throwing, '/v1/admin/status')).status).toBe(503);
    const failing = fakeBatch(() => Response.json({ error: 'boom' }, { status: 500 })).binding;
    const res = await call(failing, '/v1/admin/rollback', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'dependency-unavailable', dependency: 'batch' });
  });
});
