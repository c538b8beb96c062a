// fast-check arbitraries of hostile JSON: values of the wrong type or range, unknown and prototype keys, and valid
// documents mutated at a random path (replaced, deleted, wrapped, deepened, duplicated keys).
import fc from 'fast-check';
import {
  deleteAt,
  duplicateKey,
  getAt,
  nested,
  objectPathsOf,
  type Path,
  pathsOf,
  RawJson,
  toJsonText,
  updateAt,
  withKey,
} from './json-text.ts';

/** Number literals JSON.stringify cannot produce, and ones that parse to ±Infinity, -0 or 0. */
const RAW_NUMBERS = [
  '-0',
  '-0.0',
  '1e999',
  '-1e999',
  '1E400',
  '4.9e-325',
  '1.0',
  '1e2',
  '123456789012345678901234567890',
  '0.1e-999',
];

const STRINGS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '0x10',
  '1_000',
  '',
  ' ',
  '0',
  '-0',
  'null',
  'true',
  '1',
  '[]',
  '{}',
  '\u0000',
  '\uFEFF',
  '\u202E',
  'relu',
  'train',
  '__proto__',
  '💥💥💥',
  '<script>',
  "'; DROP TABLE runs; --",
  '../../etc/passwd',
];

const NUMBERS = [
  1e308,
  -1e308,
  0,
  -1,
  0.5,
  1.5,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  5e-324,
  -5e-324,
  4096,
  4097,
  1e6,
  1e6 + 1,
];

/** A JSON value likely to be wrong wherever it lands. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.constantFrom<unknown>(...NUMBERS, ...STRINGS, null, true, false, [], {}, [null], [[]], {
      '': null,
    }),
    weight: 6,
  },
  { arbitrary: fc.constantFrom(...RAW_NUMBERS).map((t) => new RawJson(t)), weight: 2 },
  { arbitrary: fc.integer(), weight: 2 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 2 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 6 }), weight: 1 },
  { arbitrary: fc.constantFrom(300, 5000).map((n) => 'x'.repeat(n)), weight: 1 },
);

/** A value near `current`: the same type just out of range, or a near miss of a string. */
function nudged(current: unknown): fc.Arbitrary<unknown> {
  if (typeof current === 'number') {
    const c = current;
    return fc.constantFrom(
      c + 1,
      c - 1,
      -c,
      c * 1e6,
      c / 1e6,
      Math.floor(c) + 0.5,
      -1e-9,
      c === 0 ? 1e-300 : c * 1e300,
      String(c),
    );
  }
  if (typeof current === 'string') {
    return fc.constantFrom(
      current.toUpperCase(),
      `${current} `,
      ` ${current}`,
      '',
      current.slice(1),
      `${current}\u0000`,
      `${current}${current}`,
    );
  }
  if (typeof current === 'boolean') return fc.constantFrom('true', 'false', 0, 1, !current, null);
  if (Array.isArray(current)) {
    return fc.constantFrom(
      [],
      current.slice(1),
      [...current, ...current],
      [current],
      Array.from({ length: 300 }, () => current[0]),
    );
  }
  return hostileValue;
}

/** Keys a server must not trip over: prototype keys, builtin names, look-alikes of real keys. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'then',
    '__defineGetter__',
    'kind',
    'Kind',
    'kind ',
    '',
    ' ',
    '$where',
    'a.b',
    '0',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
);

export type Mutation =
  | { op: 'replace'; path: Path; value: unknown }
  | { op: 'delete'; path: Path }
  | { op: 'addKey'; path: Path; key: string; value: unknown }
  | { op: 'wrap'; path: Path; as: 'array' | 'object' }
  | { op: 'deepen'; path: Path; depth: number; kind: 'array' | 'object' }
  | { op: 'duplicate'; path: Path; key: string; value: unknown; hostileFirst: boolean };

function mutationOf(doc: unknown): fc.Arbitrary<Mutation> {
  const paths = pathsOf(doc);
  const objects = objectPathsOf(doc);
  const at = fc.constantFrom(...paths);
  const obj = fc.constantFrom(...objects);
  return fc.oneof(
    {
      arbitrary: at.chain((path) =>
        fc
          .oneof(hostileValue, nudged(getAt(doc, path)))
          .map((value) => ({ op: 'replace' as const, path, value })),
      ),
      weight: 8,
    },
    { arbitrary: at.map((path) => ({ op: 'delete' as const, path })), weight: 2 },
    {
      arbitrary: fc
        .record({ path: obj, key: hostileKey, value: hostileValue })
        .map((m) => ({ op: 'addKey' as const, ...m })),
      weight: 3,
    },
    {
      arbitrary: fc
        .record({ path: at, as: fc.constantFrom('array' as const, 'object' as const) })
        .map((m) => ({ op: 'wrap' as const, ...m })),
      weight: 1,
    },
    {
      arbitrary: fc
        .record({
          path: at,
          depth: fc.constantFrom(50, 1000, 10_000),
          kind: fc.constantFrom('array' as const, 'object' as const),
        })
        .map((m) => ({ op: 'deepen' as const, ...m })),
      weight: 1,
    },
    {
      arbitrary: obj
        .chain((path) => {
          const keys = Object.keys(getAt(doc, path) as object);
          return fc.record({
            path: fc.constant(path),
            key: keys.length ? fc.oneof(fc.constantFrom(...keys), hostileKey) : hostileKey,
            value: hostileValue,
            hostileFirst: fc.boolean(),
          });
        })
        .map((m) => ({ op: 'duplicate' as const, ...m })),
      weight: 2,
    },
  );
}

export function applyMutation(doc: unknown, m: Mutation): unknown {
  // A path may no longer exist after an earlier mutation; then the mutation lands on the root.
  const path = m.path.length > 0 && getAt(doc, m.path.slice(0, -1)) === undefined ? [] : m.path;
  switch (m.op) {
    case 'replace':
      return path.length === 0 ? doc : updateAt(doc, path, () => m.value);
    case 'delete':
      return path.length === 0 ? doc : deleteAt(doc, path);
    case 'addKey':
      return updateAt(doc, path, (node) => (isPlainObject(node) ? withKey(node, m.key, m.value) : node));
    case 'wrap':
      return updateAt(doc, path, (node) => (m.as === 'array' ? [node] : { value: node }));
    case 'deepen':
      return updateAt(doc, path, () => nested(m.depth, m.kind));
    case 'duplicate':
      return updateAt(doc, path, (node) =>
        isPlainObject(node) ? duplicateKey(node, m.key, m.value, m.hostileFirst) : node,
      );
  }
}

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof RawJson);

/** One of the valid documents with 1–3 mutations, as JSON text, with a description of what was changed. */
export function mutatedDocument(bases: readonly unknown[]): fc.Arbitrary<{ text: string; what: string }> {
  return fc.integer({ min: 0, max: bases.length - 1 }).chain((b) =>
    fc.array(mutationOf(bases[b]), { minLength: 1, maxLength: 3 }).map((ms) => {
      const doc = ms.reduce<unknown>((d, m) => applyMutation(d, m), bases[b]);
      return { text: toJsonText(doc), what: `base#${b} ${ms.map(describeMutation).join(' then ')}` };
    }),
  );
}

function describeMutation(m: Mutation): string {
  const p = `/${m.path.join('/')}`;
  const v = (x: unknown) => {
    const t = toJsonText(x);
    return t.length > 80 ? `${t.slice(0, 80)}…(${t.length} chars)` : t;
  };
  switch (m.op) {
    case 'replace':
      return `${p} := ${v(m.value)}`;
    case 'delete':
      return `delete ${p}`;
    case 'addKey':
      return `${p} += ${JSON.stringify(m.key)}: ${v(m.value)}`;
    case 'wrap':
      return `wrap ${p} in ${m.as}`;
    case 'deepen':
      return `${p} := ${m.depth} nested ${m.kind}s`;
    case 'duplicate':
      return `${p} duplicate key ${JSON.stringify(m.key)} = ${v(m.value)} (${m.hostileFirst ? 'first' : 'last'})`;
  }
}
