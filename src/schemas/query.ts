// Integers in a query string, read strictly: plain decimal digits ("16"), never "0x10", "1e1", " 16" or "016".
import { z } from 'zod';

const DECIMAL = /^(?:0|-?[1-9][0-9]*)$/;

/** A query-string integer in [min, max]; the OpenAPI document shows it as an integer. */
export function queryInt(min: number, max: number) {
  return z.preprocess(
    // Typed as string in, as a query value arrives; anything not decimal is passed on to fail as not an int.
    (v: string) => (typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v),
    z.int({ error: 'expected a decimal integer' }).min(min).max(max),
  );
}
