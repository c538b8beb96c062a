// JSON documents as hostile text: raw number literals JSON.stringify cannot write (-0, 1e999), own "__proto__" keys,
// duplicate keys, and nesting far deeper than a recursive serializer could walk.

/** A fragment inserted verbatim into the serialized document. */
export class RawJson {
  constructor(readonly text: string) {}
}

const MARK = '@@raw-json-7f3a@@';

/** Serializes `v`, splicing RawJson fragments in as they are (own "__proto__" keys serialize like any key). */
export function toJsonText(v: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(v, (_k, x) => {
    if (x instanceof RawJson) {
      raws.push(x.text);
      return `${MARK}${raws.length - 1}`;
    }
    return x;
  });
  if (text === undefined) return 'null';
  return raws.length === 0
    ? text
    : text.replace(new RegExp(`"${MARK}(\\d+)"`, 'g'), (_m, i) => raws[Number(i)]);
}

/** An object with an own enumerable key, even "__proto__" (a plain assignment would set the prototype). */
export function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(obj))
    Object.defineProperty(copy, k, { value: obj[k], enumerable: true, writable: true, configurable: true });
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** The object as text with `key` written twice: the first or the second occurrence carries `value`. */
export function duplicateKey(
  obj: Record<string, unknown>,
  key: string,
  value: unknown,
  hostileFirst: boolean,
): RawJson {
  const body = toJsonText(obj).slice(1, -1);
  const dup = `${JSON.stringify(key)}:${toJsonText(value)}`;
  const parts = hostileFirst ? [dup, body] : [body, dup];
  return new RawJson(`{${parts.filter((p) => p !== '').join(',')}}`);
}

/** `depth` nested arrays or objects around `core`. */
export function nested(depth: number, kind: 'array' | 'object', core = '1'): RawJson {
  return kind === 'array'
    ? new RawJson(`${'['.repeat(depth)}${core}${']'.repeat(depth)}`)
    : new RawJson(`${'{"a":'.repeat(depth)}${core}${'}'.repeat(depth)}`);
}

export type Path = (string | number)[];

/** Paths to every node under `v` (the root excluded), depth first. */
export function pathsOf(v: unknown, prefix: Path = []): Path[] {
  if (v === null || typeof v !== 'object' || v instanceof RawJson) return [];
  const out: Path[] = [];
  const entries: [string | number, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
  for (const [k, x] of entries) {
    const p = [...prefix, k];
    out.push(p, ...pathsOf(x, p));
  }
  return out;
}

/** Paths to every plain object under `v`, the root included. */
export function objectPathsOf(v: unknown): Path[] {
  return [[], ...pathsOf(v)].filter((p) => {
    const x = getAt(v, p);
    return x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof RawJson);
  });
}

export function getAt(v: unknown, path: Path): unknown {
  let x = v;
  for (const k of path) x = (x as Record<string | number, unknown>)?.[k];
  return x;
}

/** A copy of `root` with the node at `path` replaced by f(node) (a copy only along the path). */
export function updateAt(root: unknown, path: Path, f: (node: unknown) => unknown): unknown {
  if (path.length === 0) return f(root);
  // The path runs through a value an earlier mutation replaced: leave the document as it is.
  if (root === null || typeof root !== 'object' || root instanceof RawJson) return root;
  const [k, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[k as number] = updateAt(root[k as number], rest, f);
    return copy;
  }
  const obj = root as Record<string, unknown>;
  return withKey(obj, String(k), updateAt(obj[String(k)], rest, f));
}

/** A copy of `root` without the node at `path` (an array element is removed, shifting the rest). */
export function deleteAt(root: unknown, path: Path): unknown {
  const parent = path.slice(0, -1);
  const last = path[path.length - 1];
  return updateAt(root, parent, (node) => {
    if (Array.isArray(node)) return node.filter((_, i) => i !== last);
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(node as object)) {
      if (k !== last)
        Object.defineProperty(copy, k, {
          value: (node as Record<string, unknown>)[k],
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return copy;
  });
}
