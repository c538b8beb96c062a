// The production logger configuration (src/logging.ts), without the pretty transport, at a given level.
import { loggerOptions } from '../../../src/logging.ts';

export function productionLoggerOptions(level: string) {
  return loggerOptions({ LOG_LEVEL: level as 'info', LOG_PRETTY: false }, false);
}

/**
 * Where a secret shows in log text: verbatim, percent-encoded, base64, or as the bytes of a serialized Buffer
 * ({"type":"Buffer","data":[…]}, as pino writes an error's rawPacket). Returns a description per hit.
 */
export function secretHits(lines: readonly string[], secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]);
  const bytes = Buffer.from(secret).join(',');
  const hits: string[] = [];
  for (const line of lines) {
    const level = /"level":(\d+)/.exec(line)?.[1] ?? '?';
    const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? '';
    for (const f of forms) if (line.includes(f)) hits.push(`level ${level} "${msg}": ${excerpt(line, f)}`);
    if (line.includes(bytes))
      hits.push(`level ${level} "${msg}": the secret's bytes inside a serialized Buffer`);
  }
  return hits;
}

function excerpt(line: string, f: string): string {
  const i = line.indexOf(f);
  return line.slice(Math.max(0, i - 140), i + f.length + 20).replace(/\s+/g, ' ');
}
