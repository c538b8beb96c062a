// Reads a JSON body its route kept raw (http/json-body.ts): a small one here, a large one on the evaluate thread,
// with the same function and so the same answers either way.
import {
  bodyFailureError,
  ownedBytes,
  type ParsedBody,
  parseJsonBody,
  validateBody,
} from '../http/json-body.ts';
import { BODY_SCHEMAS, type BodyOf, type BodySchemaName } from '../jobs/body-schemas.ts';
import type { JobPool } from '../jobs/pool.ts';

/**
 * Bodies from this size on are read off the event loop. Below it, parsing and validating costs the loop about
 * what the hop to the thread does (~1 ms), and a small request does not wait for an evaluate in progress.
 */
export const OFF_LOOP_BODY_BYTES = 64 * 1024;

/** `body` is the request's: JSON bytes (a Buffer), or what another parser made of it, or nothing. */
export async function readJsonBody<K extends BodySchemaName>(
  pool: JobPool,
  schema: K,
  body: unknown,
): Promise<BodyOf<K>> {
  const parsed = (
    !Buffer.isBuffer(body)
      ? validateBody(body, BODY_SCHEMAS[schema])
      : body.length >= OFF_LOOP_BODY_BYTES
        ? await pool.parseBody(schema, ownedBytes(body))
        : parseJsonBody(body, BODY_SCHEMAS[schema])
  ) as ParsedBody<BodyOf<K>>;
  if (!parsed.ok) throw bodyFailureError(parsed.failure);
  return parsed.value;
}
