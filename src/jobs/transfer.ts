// A thread's task result whose bytes are moved to the event loop, not copied (piscina's move): the evaluate thread's
// answers (evaluate, the metrics JSON) are megabytes.
import { move, transferableSymbol, valueSymbol } from 'piscina';

/** `value` as the task's result, with `bytes`' buffer moved to the loop instead of copied (piscina's move). */
export function transferring<T extends object>(value: T, bytes: Uint8Array): T {
  return move({
    get [transferableSymbol]() {
      return [bytes.buffer];
    },
    get [valueSymbol]() {
      return value;
    },
  }) as unknown as T;
}
