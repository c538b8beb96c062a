// RFC 9457 problem details (application/problem+json), and zod issues turned into its per-field error list.
import { z } from 'zod';

export type ProblemLocation = 'body' | 'query' | 'params' | 'headers';

export const ProblemErrorSchema = z
  .object({
    path: z
      .array(z.union([z.string(), z.number()]))
      .describe(
        'Where the value sits inside the request part the pointer names, e.g. ["layers", 1, "units"].',
      ),
    pointer: z
      .string()
      .describe(
        'JSON pointer (RFC 6901) from the request part: /body/layers/1/units, /query/limit, /params/id.',
      ),
    message: z.string().describe('What is wrong with that value.'),
    code: z
      .string()
      .optional()
      .describe('Kind of problem (zod issue code, e.g. invalid_type, too_big, unrecognized_keys).'),
    point: z
      .int()
      .min(0)
      .optional()
      .describe(
        'Sweeps: the 0-based index of the point whose run spec is invalid (the pointer names its field).',
      ),
  })
  .meta({ id: 'ProblemError', description: 'One invalid value of a request.' });
export type ProblemError = z.infer<typeof ProblemErrorSchema>;

export const ProblemSchema = z
  .object({
    type: z
      .string()
      .describe('URI identifying the problem type (about:blank when it has no page of its own).'),
    title: z.string().describe('Short summary of the problem type; the same for every occurrence.'),
    status: z.int().min(100).max(599).describe('HTTP status code.'),
    detail: z.string().optional().describe('Explanation of this occurrence.'),
    instance: z.string().optional().describe('The request path this occurrence concerns.'),
    code: z
      .string()
      .describe(
        'Stable machine-readable error code (e.g. validation_failed, run_not_found, budget_exceeded).',
      ),
    errors: z.array(ProblemErrorSchema).optional().describe('Validation errors, one per invalid value.'),
    limitName: z.string().optional().describe('Budget or quota that was exceeded (e.g. maxWorkUnits).'),
    limit: z.number().optional().describe('The maximum allowed for limitName.'),
    actual: z.number().optional().describe('What the request asked for.'),
    retryAfter: z
      .int()
      .min(0)
      .optional()
      .describe('Seconds to wait before retrying (also sent as Retry-After).'),
  })
  .meta({
    id: 'Problem',
    description: 'An error, as RFC 9457 problem details (Content-Type: application/problem+json).',
  });
export type Problem = z.infer<typeof ProblemSchema>;

/** The fields of a zod issue this mapping reads (zod's `$ZodIssue` fits, and so do hand-made issues). */
export interface IssueLike {
  code?: string;
  path: readonly PropertyKey[];
  message: string;
  /** unrecognized_keys: the unknown keys. */
  keys?: readonly string[];
}

/** RFC 6901: '~' → '~0', '/' → '~1'. */
function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function jsonPointer(location: ProblemLocation, path: readonly (string | number)[]): string {
  return `/${[location, ...path].map((p) => escapePointerToken(String(p))).join('/')}`;
}

/**
 * Zod issues as problem errors, pointers prefixed with the request part. An unrecognized_keys issue becomes one
 * error per unknown key, its path ending in that key (so /body/layers/1/foo names the key, not just its object).
 */
export function zodIssuesToProblemErrors(
  issues: readonly IssueLike[],
  location: ProblemLocation,
): ProblemError[] {
  const errors: ProblemError[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (issue.code === 'unrecognized_keys' && issue.keys && issue.keys.length > 0) {
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        errors.push({
          path: keyPath,
          pointer: jsonPointer(location, keyPath),
          message: `unknown key "${key}"`,
          code: issue.code,
        });
      }
      continue;
    }
    errors.push({
      path,
      pointer: jsonPointer(location, path),
      message: issue.message,
      ...(issue.code ? { code: issue.code } : {}),
    });
  }
  return errors;
}

/**
 * Recovers zod issues from fastify's validation error entries (fastify-type-provider-zod keeps the issue code as
 * `keyword`, the path as `instancePath` "/layers/1" and the rest in `params`). Numeric segments become indices.
 */
export function issuesFromFastifyValidation(
  validation: readonly {
    keyword: string;
    instancePath: string;
    message?: string;
    params?: Record<string, unknown>;
  }[],
): IssueLike[] {
  return validation.map((v) => {
    const segments =
      v.instancePath === '/' || v.instancePath === '' ? [] : v.instancePath.slice(1).split('/');
    const keys = v.params?.keys;
    return {
      code: v.keyword,
      path: segments.map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s)),
      message: v.message ?? 'invalid value',
      ...(Array.isArray(keys) ? { keys: keys.map(String) } : {}),
    };
  });
}
