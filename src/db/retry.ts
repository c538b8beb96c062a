// Retrying a database write through a brief outage (a Postgres restart), with exponential backoff.

export interface RetryOptions {
  /** Tries in all (≥ 1). */
  attempts: number;
  /** Wait before try n+1 is min(maxDelayMs, baseMs · 2^n). */
  baseMs: number;
  maxDelayMs: number;
  /** Told about each failed try that will be retried. */
  onRetry?(err: unknown, attempt: number): void;
}

/** Runs `fn` until it resolves or `attempts` tries failed (then the last error is thrown). */
export async function retrying<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= o.attempts) throw e;
      o.onRetry?.(e, attempt);
      await new Promise((r) => setTimeout(r, Math.min(o.maxDelayMs, o.baseMs * 2 ** attempt)));
    }
  }
}
