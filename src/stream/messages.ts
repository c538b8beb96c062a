// Outgoing WebSocket messages as text: a JSON object whose first members are the message's `type` and its
// per-connection `seq`, then its body (the rest of its schema in src/schemas/stream.ts). A body many
// subscribers share (a step) is serialized once, by the compiled serializer in step-encoding.ts; the rare
// per-connection ones here with JSON.stringify. Clients may read `type` first without parsing the rest.
import type { z } from 'zod';
import type { RunListItem } from '../schemas/runs.ts';
import type {
  EndMessageSchema,
  FirehoseMessage,
  FirehoseRunMessageSchema,
  FirehoseSweepMessageSchema,
  HelloMessageSchema,
  NoticeMessageSchema,
  RunStreamMessage,
} from '../schemas/stream.ts';
import type { SweepListItem, SweepPoint, SweepStreamMessage } from '../schemas/sweeps.ts';
import type { StepPayload } from './step-encoding.ts';

export type MessageType = RunStreamMessage['type'] | FirehoseMessage['type'] | SweepStreamMessage['type'];
type Body<S extends z.ZodType> = Omit<z.output<S>, 'type' | 'seq'>;
export type HelloBody = Body<typeof HelloMessageSchema>;
export type NoticeBody = Body<typeof NoticeMessageSchema>;

/** The message: `type` and `seq`, then the members of `body` (a JSON object's text). */
export function frame(type: MessageType, seq: number, body: string): string {
  const head = `{"type":"${type}","seq":${seq}`;
  return body === '{}' ? `${head}}` : `${head},${body.slice(1)}`;
}

/** What follows `{"type":"step","seq":N` in a step's message, as bytes: encoded once per step, for every subscriber. */
const stepTails = new WeakMap<StepPayload, Buffer>();

/**
 * The step message `frame('step', seq, step.body)` as UTF-8 bytes. Only the head (type and seq, ASCII) is written per
 * connection; the body's bytes are copied from the ones encoded once. Sent as a string, each subscriber's message
 * would be a new string the socket measures and encodes again (and the garbage collector then frees).
 */
export function stepFrame(seq: number, step: StepPayload): Buffer {
  let tail = stepTails.get(step);
  if (tail === undefined) {
    tail = Buffer.from(step.body === '{}' ? '}' : `,${step.body.slice(1)}`);
    stepTails.set(step, tail);
  }
  const head = `{"type":"step","seq":${seq}`;
  const bytes = Buffer.allocUnsafe(head.length + tail.length);
  bytes.write(head, 0, 'latin1');
  tail.copy(bytes, head.length);
  return bytes;
}

/**
 * A body serialized once per object: a run's status or end goes to every subscriber of the run with the same
 * object, as does the hello the joiners of one handshake read share (the objects are never changed once built).
 */
function oncePerObject<T extends object>(serialize: (value: T) => string): (value: T) => string {
  const bodies = new WeakMap<T, string>();
  return (value) => {
    let body = bodies.get(value);
    if (body === undefined) {
      body = serialize(value);
      bodies.set(value, body);
    }
    return body;
  };
}

export const helloBody = oncePerObject((hello: HelloBody): string => JSON.stringify(hello));
export const statusBody = oncePerObject((run: RunListItem): string =>
  JSON.stringify({ status: run.status, run }),
);
export const noticeBody = (notice: NoticeBody): string => JSON.stringify(notice);
export const endBody = oncePerObject((run: RunListItem): string =>
  JSON.stringify({ run } satisfies Body<typeof EndMessageSchema>),
);
export const firehoseRunBody = (event: Body<typeof FirehoseRunMessageSchema>['event'], run: RunListItem) =>
  JSON.stringify({ event, run } satisfies Body<typeof FirehoseRunMessageSchema>);
export const firehoseSweepBody = (
  event: Body<typeof FirehoseSweepMessageSchema>['event'],
  sweep: SweepListItem,
  point?: SweepPoint,
): string =>
  JSON.stringify(
    (point ? { event, sweep, point } : { event, sweep }) satisfies Body<typeof FirehoseSweepMessageSchema>,
  );

/** The sweep stream's hello and end: the sweep. */
export const sweepBody = (sweep: SweepListItem): string =>
  JSON.stringify({ sweep } satisfies Omit<
    Extract<SweepStreamMessage, { type: 'hello' | 'end' }>,
    'type' | 'seq'
  >);
export const sweepPointBody = (point: SweepPoint): string =>
  JSON.stringify({ point } satisfies Omit<Extract<SweepStreamMessage, { type: 'point' }>, 'type' | 'seq'>);
