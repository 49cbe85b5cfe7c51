/**
 * Script calls of one request that share the request's next Redis round trip: the rate limiter's
 * check travels with the serving-state read of a recommendation, one round trip instead of two.
 *
 * A rider is added with the way it would go on its own. The store that makes the trip `take`s the
 * riders, sends them with its own call and settles each. Riders nobody has taken by the end of the
 * current task (the request made no such trip, or awaited other I/O first) go on their own then.
 * One instance belongs to one request: workerd does not let a request settle another's I/O.
 */

/** A Redis script call by SHA-1 (`EVALSHA sha1 numkeys ...keys ...args`). */
export interface ScriptCall {
  sha1: string;
  keys: string[];
  args: unknown[];
}

/** A call waiting for a round trip, and where its reply goes. */
export interface Rider {
  call: ScriptCall;
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

type Boarded = Rider & { goAlone: (call: ScriptCall) => Promise<unknown> };

export class SharedRoundTrip {
  private riders: Boarded[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Adds a call; resolves with its reply, whichever way it went. */
  ride(call: ScriptCall, goAlone: (call: ScriptCall) => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.riders.push({ call, resolve, reject, goAlone });
      this.timer ??= setTimeout(() => {
        for (const rider of this.take())
          rider.goAlone(rider.call).then(rider.resolve, rider.reject);
      }, 0);
    });
  }

  /** The riders so far, for a round trip about to leave; the caller must settle every one. */
  take(): Boarded[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    const riders = this.riders;
    this.riders = [];
    return riders;
  }
}
