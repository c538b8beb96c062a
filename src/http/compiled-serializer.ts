// A response serializer compiled once from a route's zod schema: the bytes zod's encode + JSON.stringify (with
// −0 kept) give for data the schema accepts, without checking the data on every answer (issue 16 §2).
import type { FastifySerializerCompiler } from 'fastify';
import { z } from 'zod';
import { keepNegativeZero } from '../schemas/common.ts';
import { exactSerializerCompiler } from './exact-serializer.ts';

type Write = (value: unknown) => string | undefined;

/** Numbers, strings, booleans and null as JSON, −0 as `-0` (z.number() admits no NaN or ±Infinity). */
const primitive: Write = (v) => (Object.is(v, -0) ? '-0' : JSON.stringify(v));

/** Arrays and scalars whose JSON zod leaves as it is (nothing inside to reorder or drop). */
const asIs: Write = (v) => JSON.stringify(v, keepNegativeZero);

/** zod itself, for the parts this compiler does not know (it throws on data the schema refuses). */
const viaZod =
  (schema: z.ZodType): Write =>
  (v) =>
    JSON.stringify(z.encode(schema, v as never), keepNegativeZero);

interface Compiled {
  write: Write;
  /** True when the JSON is the value's own JSON (no object inside to reorder or strip). */
  plain: boolean;
}

const cache = new WeakMap<z.ZodType, Compiled>();

/**
 * What zod's encode does to valid data, done without checks: an object's keys in the schema's order, keys it
 * does not know dropped, absent ones (and `undefined`, as JSON.stringify does) left out; a discriminated
 * union's member picked by its discriminator; other unions only when no member holds an object.
 */
function compile(schema: z.ZodType): Compiled {
  const known = cache.get(schema);
  if (known) return known;
  const def = schema._zod.def as { type: string } & Record<string, unknown>;
  let out: Compiled;
  switch (def.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'enum':
    case 'literal':
    case 'null':
      out = { write: primitive, plain: true };
      break;
    case 'never':
      out = { write: () => undefined, plain: true };
      break;
    case 'nullable':
    case 'optional': {
      const inner = compile(def.innerType as z.ZodType);
      const write: Write = (v) => (v === null ? 'null' : v === undefined ? undefined : inner.write(v));
      out = { write, plain: inner.plain };
      break;
    }
    case 'array': {
      const element = compile(def.element as z.ZodType);
      out = element.plain ? { write: asIs, plain: true } : { write: arrayOf(element.write), plain: false };
      break;
    }
    case 'object':
      // A strict object's catchall is never: valid data holds only its keys. A loose one keeps the others.
      out = isLoose(def.catchall) ? { write: viaZod(schema), plain: false } : objectOf(def.shape as Shape);
      break;
    case 'union':
      out = unionOf(schema, def as unknown as UnionDef);
      break;
    default:
      out = { write: viaZod(schema), plain: false };
  }
  cache.set(schema, out);
  return out;
}

type Shape = Record<string, z.ZodType>;

const isLoose = (catchall: unknown) =>
  catchall !== undefined && (catchall as z.ZodType)._zod.def.type !== 'never';

function arrayOf(element: Write): Write {
  return (v) => {
    const items = v as unknown[];
    let s = '[';
    for (let i = 0; i < items.length; i++) s += `${i ? ',' : ''}${element(items[i]) ?? 'null'}`;
    return `${s}]`;
  };
}

function objectOf(shape: Shape): Compiled {
  // Compiled lazily: a shape may refer back to a schema still being compiled.
  const keys = Object.keys(shape);
  const heads = keys.map((k) => `${JSON.stringify(k)}:`);
  let writers: Write[] | null = null;
  const write: Write = (v) => {
    writers ??= keys.map((k) => compile(shape[k]).write);
    const o = v as Record<string, unknown>;
    let s = '';
    for (let i = 0; i < keys.length; i++) {
      const x = o[keys[i]];
      if (x === undefined) continue;
      const json = writers[i](x);
      if (json !== undefined) s += `${s ? ',' : ''}${heads[i]}${json}`;
    }
    return `{${s}}`;
  };
  return { write, plain: false };
}

interface UnionDef {
  options: z.ZodType[];
  discriminator?: string;
}

function unionOf(schema: z.ZodType, def: UnionDef): Compiled {
  const key = def.discriminator;
  if (key) {
    const byValue = new Map<unknown, z.ZodType>();
    for (const option of def.options) {
      const values = (option._zod as { propValues?: Record<string, Set<unknown>> }).propValues?.[key];
      if (!values) return { write: viaZod(schema), plain: false };
      for (const value of values) if (!byValue.has(value)) byValue.set(value, option);
    }
    const fallback = viaZod(schema);
    const write: Write = (v) => {
      const option = byValue.get((v as Record<string, unknown>)[key]);
      return option ? compile(option).write(v) : fallback(v);
    };
    return { write, plain: false };
  }
  const options = def.options.map(compile);
  return options.every((o) => o.plain)
    ? { write: asIs, plain: true }
    : { write: viaZod(schema), plain: false };
}

/** The JSON text of `value` as `schema`'s response serializer writes it, for data the schema accepts. */
export function compileSerializer(schema: z.ZodType): (value: unknown) => string {
  const { write } = compile(schema);
  return (value) => write(value) ?? 'null';
}

/**
 * The route's answers with status `status` through the compiled serializer (the data was checked where it
 * was made: the spec when it was submitted, the stored results as they are read, see schemas/run-view.ts);
 * its other answers (problems) as exactSerializerCompiler writes them.
 */
export function compiledSerializerCompiler(status: string): FastifySerializerCompiler<unknown> {
  return (route) =>
    route.httpStatus === status
      ? compileSerializer(route.schema as z.ZodType)
      : exactSerializerCompiler(route);
}
