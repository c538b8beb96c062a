// Retrying a database write through an outage (a Postgres restart, a cut network), with capped exponential backoff.

export interface RetryOptions {
  /** Tries in all (≥ 1) for errors that are not transient. */
  attempts: number;
  /** Wait before try n+1 is min(maxDelayMs, baseMs · 2^n). */
  baseMs: number;
  maxDelayMs: number;
  /**
   * Errors that say "the database cannot be reached right now" are retried without a count, for as long
   * as the outage has lasted less than maxMs (measured from the first failure of this call).
   */
  transient?: { test(err: unknown): boolean; maxMs: number };
  /** Told about each failed try that will be retried. */
  onRetry?(err: unknown, attempt: number): void;
}

/** Thrown when a transient error outlasted `transient.maxMs`; `cause` is the last error. */
export class OutageTooLongError extends Error {
  constructor(
    readonly outageMs: number,
    cause: unknown,
  ) {
    super(`the database was unreachable for ${Math.round(outageMs / 1000)} s: ${String(cause)}`, { cause });
    this.name = 'OutageTooLongError';
  }
}

/** Runs `fn` until it resolves, or throws once retrying is over (the last error, or OutageTooLongError). */
export async function retrying<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  let firstFailure: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      firstFailure ??= Date.now();
      if (o.transient?.test(e)) {
        const outageMs = Date.now() - firstFailure;
        if (outageMs >= o.transient.maxMs) throw new OutageTooLongError(outageMs, e);
      } else if (attempt >= o.attempts) {
        throw e;
      }
      o.onRetry?.(e, attempt);
      await new Promise((r) => setTimeout(r, Math.min(o.maxDelayMs, o.baseMs * 2 ** Math.min(attempt, 30))));
    }
  }
}
