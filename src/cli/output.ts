// Where the CLI writes: stdout/stderr, colours through util.styleText (off for NO_COLOR and non-terminals), tables.
import { styleText } from 'node:util';
import type { GradscopeError } from '../client/errors.ts';

type Style = Parameters<typeof styleText>[0];

export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Writes without a newline (the in-place progress line). */
  raw(text: string): void;
  isTTY: boolean;
  columns: number;
  /** Styles text for stdout (or stderr): plain when NO_COLOR is set or the stream is not a colour terminal. */
  style(format: Style, text: string, stream?: 'out' | 'err'): string;
}

export function processOutput(): Output {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    raw: (text) => process.stdout.write(text),
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns || 100,
    style: (format, text, stream = 'out') =>
      styleText(format, text, { stream: stream === 'out' ? process.stdout : process.stderr }),
  };
}

/** A problem as the user reads it: title and detail, then one line per invalid field with its pointer. */
export function printError(o: Output, e: GradscopeError): void {
  o.err(`${o.style('red', 'error', 'err')}: ${e.message}${e.status ? ` (${e.status} ${e.code})` : ''}`);
  for (const f of e.errors) o.err(`  ${o.style('bold', f.pointer, 'err')}: ${f.message}`);
  if (e.retryAfter !== undefined) o.err(`  retry after ${e.retryAfter} s`);
}

/** Left-aligned columns, the header dimmed. */
export function table(o: Output, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  o.out(o.style('dim', line(header)));
  for (const r of rows) o.out(line(r));
}

/** A number for people: 4 significant digits, exponent form when small or large, "–" for null. */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
}
