// What every `gradscope` command is made of: its declaration, the context it runs in, and the input helpers
// (spec files, option values) that turn a bad input into exit code 2 before any request.
import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import type { GradscopeClient } from '../client/client.ts';
import type { Output } from './output.ts';

export interface Context {
  client: GradscopeClient;
  o: Output;
  values: Record<string, string | boolean | undefined>;
  args: string[];
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Help lines for the options, after the usage line. */
  help: string[];
  /** Positional arguments required. */
  args: number;
  run(ctx: Context): Promise<number>;
}

/** An input problem found before any request (bad option value, unreadable spec): exit code 2. */
export class UsageError extends Error {}

export const json = { json: { type: 'boolean' } } as const;
export const JSON_HELP = '--json              print the API answer as JSON';

export function readJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new UsageError(`${path} is not a JSON object: ${(e as Error).message}`);
  }
}

export function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UsageError(`--${what} must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function positiveInt(what: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${what} must be a positive integer`);
  return n;
}

export function printJson(o: Output, value: unknown): void {
  o.out(JSON.stringify(value, null, 2));
}

/** The API's answer as JSON under --json, else as `human` prints it. */
export function answer<T>(ctx: Context, value: T, human: (value: T) => void): void {
  if (ctx.values.json) printJson(ctx.o, value);
  else human(value);
}
