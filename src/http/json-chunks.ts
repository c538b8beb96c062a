// JSON text written in chunks that yield the event loop between them: the same bytes as JSON.stringify(value),
// for answers too large to stringify in one turn (GET /v1/runs/:id/metrics: 10,000 points of every statistic).
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Values per JSON.stringify call inside a long array of numbers (~0.3 ms of work each). */
const SLICE = 4096;
/** Characters per chunk handed to the socket; the loop is yielded after each. */
const CHUNK_CHARS = 1 << 16;

const isComposite = (x: unknown) => x !== null && typeof x === 'object';

/** The pieces of JSON.stringify(value) for plain data (objects, arrays, strings, numbers, booleans, null). */
function* pieces(value: unknown): Generator<string> {
  if (!isComposite(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    // A leaf (or an object that shapes itself): exactly what JSON.stringify writes for it in an array.
    yield JSON.stringify(value) ?? 'null';
  } else if (Array.isArray(value)) {
    if (!value.some(isComposite)) {
      // Primitives: stringified a slice at a time, brackets of each slice dropped.
      yield '[';
      for (let i = 0; i < value.length; i += SLICE) {
        if (i > 0) yield ',';
        yield JSON.stringify(value.slice(i, i + SLICE)).slice(1, -1);
      }
      yield ']';
      return;
    }
    yield '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ',';
      yield* pieces(value[i]);
    }
    yield ']';
  } else {
    yield '{';
    let first = true;
    for (const [key, v] of Object.entries(value as object)) {
      // JSON.stringify leaves out these members of an object.
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      yield `${first ? '' : ','}${JSON.stringify(key)}:`;
      first = false;
      yield* pieces(v);
    }
    yield '}';
  }
}

/** JSON.stringify(value) as chunks of about CHUNK_CHARS, the event loop yielded after each. */
export async function* jsonChunks(value: unknown): AsyncGenerator<string> {
  let chunk = '';
  for (const piece of pieces(value)) {
    chunk += piece;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
      await nextTurn();
    }
  }
  if (chunk.length > 0) yield chunk;
}
