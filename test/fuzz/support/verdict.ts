// What every answer of the fuzz suites must satisfy, and the tally that counts cases and groups failures.
//   - never 5xx, never a hang or a dropped connection;
//   - every 4xx is application/problem+json with type, title, status (= the HTTP status) and code;
//   - no answer leaks internals (a stack frame, node_modules paths) that the request did not itself contain.
import type { RawResponse } from './raw-http.ts';

/** Why one answer breaks the contract, or null when it keeps it. */
export function contractViolation(
  res: RawResponse,
  opts: { head?: boolean; requestText?: string } = {},
): string | null {
  if (res.status >= 500 && !isDeliberate5xx(res)) return `${res.status} (5xx)`;
  const type = res.headers['content-type'] ?? '';
  if (res.status >= 400) {
    if (!type.startsWith('application/problem+json')) {
      return `${res.status} with content-type ${JSON.stringify(type || null)}, not application/problem+json`;
    }
    if (!opts.head) {
      const p = parseJson(res.text);
      if (!p || typeof p !== 'object') return `${res.status} problem body is not a JSON object`;
      const missing = ['type', 'title', 'code'].filter(
        (k) => typeof (p as Record<string, unknown>)[k] !== 'string',
      );
      if (missing.length > 0) return `${res.status} problem lacks ${missing.join(', ')}`;
      if ((p as { status?: unknown }).status !== res.status) {
        return `${res.status} problem says status ${JSON.stringify((p as { status?: unknown }).status)}`;
      }
    }
  }
  const leak = internalsIn(res.text, opts.requestText ?? '');
  if (leak) return `${res.status} body leaks internals: ${leak}`;
  return null;
}

/**
 * 5xx answers that state a deployment fact rather than a fault: the dashboard route answers 503 while web/dist has
 * not been built (as in a test checkout).
 */
function isDeliberate5xx(res: RawResponse): boolean {
  return res.status === 503 && /"title":"The dashboard has not been built"/.test(res.text);
}

const INTERNALS = [/\n\s+at [^\n]+:\d+:\d+/, /node_modules/, /\/work\/main\//, /PrismaClient\w*Error/];

function internalsIn(text: string, request: string): string | null {
  for (const re of INTERNALS) {
    const m = re.exec(text);
    if (m && !request.includes(m[0].trim())) return JSON.stringify(m[0].trim().slice(0, 80));
  }
  return null;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface Failure {
  endpoint: string;
  /** What went wrong, without the input: failures with one signature are one bug. */
  signature: string;
  /** The input, printable (shortest seen for this signature is kept). */
  input: string;
  /** Server-side context: the error the app logged for this request, if any. */
  log?: string;
}

/** Counts cases per endpoint, and records failures (grouped by signature when reported). */
export class Tally {
  readonly cases = new Map<string, number>();
  readonly failures: Failure[] = [];

  count(endpoint: string): void {
    this.cases.set(endpoint, (this.cases.get(endpoint) ?? 0) + 1);
  }

  fail(f: Failure): void {
    this.failures.push(f);
  }

  get total(): number {
    let n = 0;
    for (const v of this.cases.values()) n += v;
    return n;
  }

  summary(label: string, seed: number, ms: number): string {
    const per = [...this.cases].map(([k, v]) => `    ${k}: ${v}`).join('\n');
    return `${label}: ${this.total} cases, ${this.failures.length} failures (seed ${seed}, ${(ms / 1000).toFixed(1)} s)\n${per}`;
  }

  /**
   * The failures recorded since index `from`, one paragraph per distinct (endpoint, signature): how often, the
   * shortest input, and what the server logged for it.
   */
  report(from = 0): string {
    const groups = new Map<string, Failure & { count: number }>();
    for (const f of this.failures.slice(from)) {
      const key = `${f.endpoint} | ${f.signature}`;
      const seen = groups.get(key);
      if (!seen) groups.set(key, { ...f, count: 1 });
      else {
        seen.count++;
        if (f.input.length < seen.input.length)
          Object.assign(seen, { input: f.input, log: f.log ?? seen.log });
      }
    }
    return [...groups.entries()]
      .map(
        ([key, f]) =>
          `✗ ${key} (×${f.count})\n    input: ${f.input.slice(0, 600)}${f.log ? `\n    server: ${f.log.slice(0, 900)}` : ''}`,
      )
      .join('\n');
  }
}

/** Runs `fn` over the items with at most `limit` in flight. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<void>,
) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
}
