// Expansion of a sweep's axes into its points: a grid (first axis slowest), zipped axes, explicit points, repeats
// with seeds; fields named by JSON pointer (RFC 6901) or by the shortcuts depth, width and activation. Pure: specs
// in, specs out, nothing validated here (the caller runs every point through the run-spec schema).

/** The shortcuts a field may name instead of a JSON pointer. */
export const SWEEP_SHORTCUTS = ['depth', 'width', 'activation'] as const;
export type SweepShortcut = (typeof SWEEP_SHORTCUTS)[number];

/** One axis: a field and the values it takes. */
export interface SweepAxis {
  field: string;
  values: unknown[];
}

/** A grid dimension: one axis, or several zipped (advanced together, equal lengths). */
export type SweepAxisEntry = SweepAxis | { zip: SweepAxis[] };

export interface GridSweepInput {
  /** The run spec every point starts from (any kind). */
  base: Record<string, unknown>;
  axes?: SweepAxisEntry[];
  /** Explicit points: each maps fields to values. */
  points?: Record<string, unknown>[];
  /** The hidden layer `depth` repeats; default the base's first layer. */
  layerTemplate?: Record<string, unknown>;
  /** Repeats: every point once per seed, written at `seedField`. */
  seeds?: number[];
  /** Where a repeat's seed goes (default /init/seed). */
  seedField?: string;
}

export interface ExpandedPoint {
  /** 0-based, the run's position in the sweep. */
  index: number;
  /** Field → value of this point (plus `seed` for repeats). */
  values: Record<string, unknown>;
  /** The base with the values written in: a candidate run spec, not validated yet. */
  spec: Record<string, unknown>;
}

/** A field that cannot be applied: `path` is where in the sweep request, `point` which point (when known). */
export class SweepExpansionError extends Error {
  override name = 'SweepExpansionError';
  constructor(
    message: string,
    readonly path: (string | number)[],
    readonly point?: number,
    /** The field being applied, when the error is about one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const DEFAULT_SEED_FIELD = '/init/seed';

/** Points the request expands to, without building them (to refuse an oversized sweep first). */
export function countPoints(input: GridSweepInput): number {
  const repeats = input.seeds?.length ?? 1;
  if (input.points) return input.points.length * repeats;
  let n = 1;
  for (const entry of input.axes ?? [])
    n *= 'zip' in entry ? (entry.zip[0]?.values.length ?? 0) : entry.values.length;
  return n * repeats;
}

/**
 * The points of the sweep, in run order: grid points with the first axis slowest (or the explicit points in their
 * order), each repeated once per seed (seeds fastest). Within a point the shortcuts apply first — depth (it rebuilds
 * the layer list), then width and activation — then the pointers in the order given, then the seed.
 */
export function expandSweep(input: GridSweepInput): ExpandedPoint[] {
  const combos = input.points ? input.points.map((p) => ({ ...p })) : gridCombos(input.axes ?? []);
  const seeds = input.seeds ?? [null];
  const seedField = input.seedField ?? DEFAULT_SEED_FIELD;
  const out: ExpandedPoint[] = [];
  for (const combo of combos) {
    for (const seed of seeds) {
      const index = out.length;
      const values = seed === null ? combo : { ...combo, seed };
      const spec = structuredClone(input.base);
      const fields = Object.keys(combo).sort((a, b) => order(a) - order(b));
      let current: string | undefined;
      try {
        for (const field of fields) {
          current = field;
          applyField(spec, field, combo[field], input.layerTemplate);
        }
        current = seedField;
        if (seed !== null) setPointer(spec, seedField, seed);
      } catch (e) {
        if (e instanceof SweepExpansionError)
          throw new SweepExpansionError(e.message, e.path, index, e.field ?? current);
        throw e;
      }
      out.push({ index, values, spec });
    }
  }
  return out;
}

function order(field: string): number {
  return field === 'depth' ? 0 : field === 'width' || field === 'activation' ? 1 : 2;
}

function gridCombos(axes: SweepAxisEntry[]): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{}];
  axes.forEach((entry, a) => {
    const zipped = 'zip' in entry ? entry.zip : [entry];
    const length = zipped[0]?.values.length ?? 0;
    zipped.forEach((axis, z) => {
      if (axis.values.length !== length) {
        throw new SweepExpansionError(
          `zipped axes must have equal lengths: ${axis.field} has ${axis.values.length} values, ${zipped[0].field} ${length}`,
          ['axes', a, 'zip', z, 'values'],
        );
      }
    });
    const next: Record<string, unknown>[] = [];
    for (const combo of combos) {
      for (let i = 0; i < length; i++) {
        const point = { ...combo };
        for (const axis of zipped) point[axis.field] = axis.values[i];
        next.push(point);
      }
    }
    combos = next;
  });
  return combos;
}

/** Writes one field's value into a spec (in place). */
export function applyField(
  spec: Record<string, unknown>,
  field: string,
  value: unknown,
  layerTemplate?: Record<string, unknown>,
): void {
  if (field.startsWith('/')) {
    setPointer(spec, field, value);
    return;
  }
  const network = spec.network as { layers?: Record<string, unknown>[] } | undefined;
  const layers = network?.layers;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new SweepExpansionError(`${field} needs base.network.layers`, ['base', 'network', 'layers']);
  }
  if (field === 'depth') {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new SweepExpansionError(
        `depth must be an integer ≥ 1 (hidden layers), got ${JSON.stringify(value)}`,
        ['depth'],
      );
    }
    const template = layerTemplate ?? (layers.length >= 2 ? layers[0] : undefined);
    if (!template) {
      throw new SweepExpansionError(
        'depth repeats a hidden layer: give layerTemplate, or a base with at least one hidden layer before the output layer',
        ['layerTemplate'],
      );
    }
    const output = layers[layers.length - 1];
    network!.layers = [...Array.from({ length: value as number }, () => structuredClone(template)), output];
    return;
  }
  if (field === 'width' || field === 'activation') {
    const key = field === 'width' ? 'units' : 'activation';
    if (layers.length < 2) {
      throw new SweepExpansionError(`${field} sets the hidden layers, and the base has none`, [
        'base',
        'network',
        'layers',
      ]);
    }
    for (const layer of layers.slice(0, -1)) layer[key] = value;
    return;
  }
  throw new SweepExpansionError(
    `unknown field ${JSON.stringify(field)}: a JSON pointer ("/init/weights/gain") or one of ${SWEEP_SHORTCUTS.join(', ')}`,
    ['field'],
  );
}

/** RFC 6901 tokens of a pointer: "/a~1b/0" → ["a/b", "0"]. */
export function pointerTokens(pointer: string): string[] {
  if (!pointer.startsWith('/'))
    throw new SweepExpansionError(`a JSON pointer starts with "/": ${pointer}`, ['field']);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Sets the value a pointer names, creating missing objects on the way ("/training/optimizer/momentum" on an
 * optimizer without one). Array steps must be an existing index or "-" (append) at the end.
 */
export function setPointer(target: Record<string, unknown>, pointer: string, value: unknown): void {
  const tokens = pointerTokens(pointer);
  if (tokens.length === 0 || tokens.some((t) => t === '')) {
    throw new SweepExpansionError(`${pointer} does not name a field`, ['field']);
  }
  let node: unknown = target;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const last = i === tokens.length - 1;
    const here = `/${tokens.slice(0, i).join('/')}`;
    if (Array.isArray(node)) {
      const index = token === '-' && last ? node.length : /^(0|[1-9]\d*)$/.test(token) ? Number(token) : -1;
      if (index < 0 || index > node.length || (index === node.length && !last)) {
        throw new SweepExpansionError(`${pointer}: ${here} has no element ${token} (length ${node.length})`, [
          'field',
        ]);
      }
      if (last) node[index] = structuredClone(value);
      else node = node[index];
    } else if (node !== null && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (last) obj[token] = structuredClone(value);
      else {
        if (obj[token] === undefined) obj[token] = {};
        node = obj[token];
      }
    } else {
      throw new SweepExpansionError(
        `${pointer}: ${here} is ${JSON.stringify(node)}, not an object or array`,
        ['field'],
      );
    }
  }
}
