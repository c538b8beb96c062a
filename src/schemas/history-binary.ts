// The binary columnar form of a History (GET /v1/runs/:id/history, Accept: application/octet-stream): typed-array
// blocks a page reads in place, with no JSON parse of the numbers. Shared by the server (encode) and the dashboard
// (decode); runs in Node and in browsers (no node: imports).
//
// Layout (all little-endian), in the manner of safetensors:
//   bytes 0..3   "GSH1"
//   bytes 4..7   uint32 n: length of the header
//   bytes 8..8+n the header, UTF-8 JSON, padded with spaces so that 8 + n is a multiple of 8:
//                { runId, fields, layerCount, totalSteps, bucketed, points, nonFiniteSteps, lastStep,
//                  blocks: [{ name, type: "float64" | "float32", offset, length }] }
//                (offset in bytes from the start of the body, length in elements)
//   then the blocks, in this order, each at an offset that is a multiple of its element size:
//     steps          float64 × points   (integers)
//     loss           float64 × points
//     gradNorm       float64 × points
//     trainAccuracy  float64 × points
//     testAccuracy   float64 × points
//     values         float32 × layerCount × fields × points, index (layer × fields + field) × points + point
// NaN stands for JSON's null (not finite, or not applicable); every other number is the JSON answer's exactly
// (layer statistics are stored as float32, so their float32 is the value itself).
import type { History } from './history.ts';

export const HISTORY_BINARY_TYPE = 'application/octet-stream';
const MAGIC = 'GSH1';

export interface HistoryBlock {
  name: 'steps' | 'loss' | 'gradNorm' | 'trainAccuracy' | 'testAccuracy' | 'values';
  type: 'float64' | 'float32';
  /** Bytes from the start of the body. */
  offset: number;
  /** Elements. */
  length: number;
}

/** A History read in place: the columns are views into the body's buffer. */
export interface HistoryArrays {
  runId: string;
  fields: History['fields'];
  layerCount: number;
  totalSteps: number;
  bucketed: boolean;
  points: number;
  nonFiniteSteps: number[];
  lastStep: number | null;
  steps: Float64Array;
  loss: Float64Array;
  gradNorm: Float64Array;
  trainAccuracy: Float64Array;
  testAccuracy: Float64Array;
  /** (layerCount × fields × points): series (layer, fieldPos) is values.subarray((layer·F + fieldPos)·P, +P). */
  values: Float32Array;
}

const F64_BLOCKS = ['steps', 'loss', 'gradNorm', 'trainAccuracy', 'testAccuracy'] as const;

/** The binary body of a history answer, from its typed columns (what decodeHistory gives back). */
export function encodeHistory(h: HistoryArrays): Uint8Array {
  const P = h.points;
  const F = h.fields.length;
  const L = h.layerCount;
  for (const name of F64_BLOCKS) {
    if (h[name].length !== P)
      throw new RangeError(`encodeHistory: ${name} has ${h[name].length} points, not ${P}`);
  }
  if (h.values.length !== L * F * P) {
    throw new RangeError(`encodeHistory: values has ${h.values.length} entries, not ${L} × ${F} × ${P}`);
  }
  const blocks: HistoryBlock[] = [];
  let at = 0;
  for (const name of F64_BLOCKS) {
    blocks.push({ name, type: 'float64', offset: at, length: P });
    at += 8 * P;
  }
  blocks.push({ name: 'values', type: 'float32', offset: at, length: L * F * P });
  const dataBytes = at + 4 * L * F * P;
  // Offsets are relative to the data; the header, padded to 8, goes before it, so shift them once its size is known.
  const meta = {
    runId: h.runId,
    fields: h.fields,
    layerCount: L,
    totalSteps: h.totalSteps,
    bucketed: h.bucketed,
    points: P,
    nonFiniteSteps: h.nonFiniteSteps,
    lastStep: h.lastStep,
  };
  let start = 0;
  let headerText = '';
  // Two passes at most: the offsets' digits can change the header's padded length only once.
  for (let pass = 0; pass < 3; pass++) {
    const shifted = blocks.map((b) => ({ ...b, offset: b.offset + start }));
    headerText = JSON.stringify({ ...meta, blocks: shifted });
    const padded = Math.ceil((8 + utf8Length(headerText)) / 8) * 8;
    if (padded === start) break;
    start = padded;
  }
  const header = new TextEncoder().encode(headerText);
  const out = new Uint8Array(start + dataBytes);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, start - 8, true);
  out.fill(0x20, 8, start);
  out.set(header, 8);
  const f64 = new Float64Array(out.buffer, start, 5 * P);
  F64_BLOCKS.forEach((name, c) => {
    f64.set(h[name], c * P);
  });
  new Float32Array(out.buffer, start + 40 * P, L * F * P).set(h.values);
  return out;
}

/** A History's columns as typed arrays (null → NaN): what encodeHistory takes. */
export function historyToArrays(h: History): HistoryArrays {
  const P = h.steps.length;
  const F = h.fields.length;
  const column = (xs: readonly (number | null)[]) => Float64Array.from(xs, (x) => x ?? Number.NaN);
  const values = new Float32Array(h.layerCount * F * P);
  for (let l = 0; l < h.layerCount; l++) {
    for (let f = 0; f < F; f++) {
      const series = h.values[l][f];
      for (let p = 0; p < P; p++) values[(l * F + f) * P + p] = series[p] ?? Number.NaN;
    }
  }
  return {
    runId: h.runId,
    fields: h.fields,
    layerCount: h.layerCount,
    totalSteps: h.totalSteps,
    bucketed: h.bucketed,
    points: P,
    nonFiniteSteps: h.nonFiniteSteps,
    lastStep: h.lastStep,
    steps: Float64Array.from(h.steps),
    loss: column(h.loss),
    gradNorm: column(h.gradNorm),
    trainAccuracy: column(h.trainAccuracy),
    testAccuracy: column(h.testAccuracy),
    values,
  };
}

/** Reads a binary history body; throws on a body that is not one (wrong magic, truncated, bad header). */
export function decodeHistory(body: ArrayBuffer | Uint8Array): HistoryArrays {
  const bytes = body instanceof Uint8Array ? body : new Uint8Array(body);
  if (bytes.byteLength < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new Error('decodeHistory: not a GSH1 history body');
  }
  // Typed-array views need an aligned start: copy once if the bytes sit at an odd offset of a larger buffer.
  const own = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const view = new DataView(own.buffer, own.byteOffset, own.byteLength);
  const n = view.getUint32(4, true);
  if (8 + n > own.byteLength) throw new Error('decodeHistory: header runs past the body');
  const header = JSON.parse(new TextDecoder().decode(own.subarray(8, 8 + n))) as Omit<
    HistoryArrays,
    (typeof F64_BLOCKS)[number] | 'values'
  > & { blocks: HistoryBlock[] };
  const block = (name: HistoryBlock['name']) => {
    const b = header.blocks.find((x) => x.name === name);
    if (!b) throw new Error(`decodeHistory: no ${name} block`);
    const width = b.type === 'float64' ? 8 : 4;
    if (b.offset % width !== 0 || b.offset + width * b.length > own.byteLength) {
      throw new Error(`decodeHistory: block ${name} is misplaced or truncated`);
    }
    return { offset: own.byteOffset + b.offset, length: b.length };
  };
  const f64 = (name: (typeof F64_BLOCKS)[number]) => {
    const b = block(name);
    return new Float64Array(own.buffer, b.offset, b.length);
  };
  const v = block('values');
  const { blocks: _blocks, ...meta } = header;
  return {
    ...meta,
    steps: f64('steps'),
    loss: f64('loss'),
    gradNorm: f64('gradNorm'),
    trainAccuracy: f64('trainAccuracy'),
    testAccuracy: f64('testAccuracy'),
    values: new Float32Array(own.buffer, v.offset, v.length),
  };
}

/** The JSON answer of a decoded body (NaN → null): what GET …/history answers as application/json. */
export function historyFromArrays(a: HistoryArrays): History {
  const P = a.points;
  const F = a.fields.length;
  const list = (xs: ArrayLike<number>) => Array.from(xs, (x) => (Number.isNaN(x) ? null : x));
  return {
    runId: a.runId,
    fields: a.fields,
    layerCount: a.layerCount,
    totalSteps: a.totalSteps,
    bucketed: a.bucketed,
    steps: Array.from(a.steps),
    loss: list(a.loss),
    gradNorm: list(a.gradNorm),
    trainAccuracy: list(a.trainAccuracy),
    testAccuracy: list(a.testAccuracy),
    values: Array.from({ length: a.layerCount }, (_, l) =>
      Array.from({ length: F }, (_, f) => list(a.values.subarray((l * F + f) * P, (l * F + f + 1) * P))),
    ),
    nonFiniteSteps: a.nonFiniteSteps,
    lastStep: a.lastStep,
  };
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).byteLength;
}
