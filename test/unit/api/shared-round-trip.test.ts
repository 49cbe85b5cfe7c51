import { describe, expect, it } from 'vitest';
import { SharedRoundTrip, type ScriptCall } from '../../../shared/ports/shared-round-trip';

const call = (sha1: string): ScriptCall => ({ sha1, keys: ['k'], args: [1] });

/** A way to go alone that records what went, and answers with the call's sha1. */
function recorder() {
  const sent: string[] = [];
  const goAlone = (c: ScriptCall) => {
    sent.push(c.sha1);
    return Promise.resolve(`alone:${c.sha1}`);
  };
  return { sent, goAlone };
}

describe('SharedRoundTrip', () => {
  it('hands its riders to the trip that takes them; they do not also go alone', async () => {
    const trip = new SharedRoundTrip();
    const { sent, goAlone } = recorder();
    const a = trip.ride(call('a'), goAlone);
    const b = trip.ride(call('b'), goAlone);
    const riders = trip.take();
    expect(riders.map((r) => r.call.sha1)).toEqual(['a', 'b']);
    riders[0]!.resolve('shared:a');
    riders[1]!.reject(new Error('NOSCRIPT'));
    expect(await a).toBe('shared:a');
    await expect(b).rejects.toThrow('NOSCRIPT');
    await new Promise((r) => setTimeout(r, 5));
    expect(sent).toEqual([]);
    expect(trip.take()).toEqual([]);
  });

  it('sends riders nobody took on their own once the current task is over', async () => {
    const trip = new SharedRoundTrip();
    const { sent, goAlone } = recorder();
    const a = trip.ride(call('a'), goAlone);
    // Still this task (microtasks included): nothing has gone yet.
    await Promise.resolve();
    expect(sent).toEqual([]);
    expect(await a).toBe('alone:a');
    expect(sent).toEqual(['a']);
  });

  it('a failure of the lone trip reaches the rider', async () => {
    const trip = new SharedRoundTrip();
    const ride = trip.ride(call('a'), () => Promise.reject(new Error('down')));
    await expect(ride).rejects.toThrow('down');
  });

  it('riders added after a take wait for the next trip, or go alone', async () => {
    const trip = new SharedRoundTrip();
    const { sent, goAlone } = recorder();
    void trip.ride(call('a'), goAlone);
    trip.take()[0]!.resolve(null);
    const b = trip.ride(call('b'), goAlone);
    expect(await b).toBe('alone:b');
    expect(sent).toEqual(['b']);
  });
});
