// Reads a flood of joiners share: one database read for the callers that ask together, instead of one each.
// `singleFlight` shares a read already in flight; `freshFlight` shares only a read that starts after the call (for
// a re-check that must see what happened after the caller subscribed).

/** Concurrent calls for one key share one call (nothing is kept once it settles). */
export function singleFlight<T>(fn: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const inFlight = new Map<string, Promise<T>>();
  return (key) => {
    let p = inFlight.get(key);
    if (!p) {
      p = fn(key).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
    }
    return p;
  };
}

/**
 * Calls for one key in the same turn of the event loop share one call, started on the next turn: so it starts
 * after every one of them was made. A call made once it has started waits for the next one.
 */
export function freshFlight<T>(fn: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const starting = new Map<string, Promise<T>>();
  return (key) => {
    let p = starting.get(key);
    if (!p) {
      p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        starting.delete(key);
        return fn(key);
      });
      starting.set(key, p);
    }
    return p;
  };
}
