/** The 503 of an ingest whose outcome is unknown, and when resending it is safe. */
import { describe, expect, it } from 'vitest';
import { IngestUnconfirmedError, PROBLEM_BASE } from '../../../shared/errors';
import { isRetrySafe } from '../../../workers/api/services/ingest-service';

describe('an unconfirmed ingest', () => {
  const event = { userId: 'u', itemId: 'i', type: 'view' };

  it('is safe to resend when every event has an id or a timestamp (the derived id is the same)', () => {
    expect(
      isRetrySafe([
        { ...event, id: 'e1' },
        { ...event, timestamp: 5 },
      ]),
    ).toBe(true);
    expect(isRetrySafe([{ ...event, timestamp: '2026-01-01T00:00:00Z' }])).toBe(true);
    expect(isRetrySafe([{ ...event, id: 'e1' }, event])).toBe(false);
    expect(isRetrySafe([{ ...event, id: 'e1' }, event], true)).toBe(true);
  });

  it('answers a 503 dependency problem with Retry-After that says whether resending is safe', () => {
    const safe = new IngestUnconfirmedError('redis', true);
    expect(safe.status).toBe(503);
    expect(safe.headers['Retry-After']).toBe('5');
    expect(safe.toProblem('/v1/events')).toMatchObject({
      type: `${PROBLEM_BASE}dependency-unavailable`,
      code: 'dependency-unavailable',
      dependency: 'redis',
      retrySafe: true,
      instance: '/v1/events',
    });
    expect(safe.message).toMatch(/may have been stored.*safe/);
    const unsafe = new IngestUnconfirmedError('redis', false).toProblem();
    expect(unsafe.retrySafe).toBe(false);
    expect(unsafe.detail).toMatch(/give each event an id, or send .* Idempotency-Key/);
  });
});
