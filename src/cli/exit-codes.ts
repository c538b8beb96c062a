// The exit codes of `gradscope`, which scripts can rely on (documented in the README and in `gradscope --help`).
import type { RunStatus } from '../schemas/runs.ts';

export const EXIT = {
  /** The command did what it was asked; a run it waited for succeeded. */
  ok: 0,
  /** A run it waited for failed (an error; see its `error`). */
  failed: 1,
  /** Bad arguments, an unreadable spec file, or a request the API rejected (400, 413, 415, 422). */
  invalidInput: 2,
  /** A run it waited for diverged (NaN/Infinity in the loss or a gradient). */
  diverged: 3,
  /** A run it waited for was cancelled. */
  cancelled: 4,
  /** No answer from the server (connection refused, DNS, timeout). */
  unreachable: 5,
  /** Any other API error: 401, 404, 409, 429 after retries, 5xx, an invalid answer. */
  apiError: 6,
  /** `gradcheck`: the check ran and its verdict is fail (difference ≥ 1e-3). */
  gradcheckFailed: 7,
} as const;

export const EXIT_HELP = `Exit codes:
  0  succeeded (or the command did what it was asked)
  1  the run failed
  2  invalid input: bad arguments, an unreadable spec, or a request the API rejected (400/413/415/422)
  3  the run diverged
  4  the run was cancelled
  5  the server is unreachable
  6  another API error (401, 404, 409, 429 after retries, 5xx)
  7  gradcheck: the verdict is fail`;

/** The exit code of a run that reached `status`; null while it has not finished. */
export function exitOfStatus(status: RunStatus): number | null {
  switch (status) {
    case 'succeeded':
      return EXIT.ok;
    case 'failed':
      return EXIT.failed;
    case 'diverged':
      return EXIT.diverged;
    case 'cancelled':
      return EXIT.cancelled;
    default:
      return null;
  }
}

/** The exit code of a client error, from its HTTP status. */
export function exitOfError(status: number, code: string): number {
  if (code === 'unreachable') return EXIT.unreachable;
  if ([400, 413, 415, 422].includes(status)) return EXIT.invalidInput;
  return EXIT.apiError;
}
