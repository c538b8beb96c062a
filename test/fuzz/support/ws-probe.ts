// One WebSocket fuzz case: connect, optionally misbehave, collect messages, and classify how it ended.
import WebSocket from 'ws';
import type { z } from 'zod';
import type { RawResponse } from './raw-http.ts';
import { contractViolation, parseJson } from './verdict.ts';

export interface WsPlan {
  headers?: Record<string, string>;
  /** Called once the socket is open (send junk, close, terminate…). */
  onOpen?(ws: WebSocket): void;
  /** Called per message with the count so far (terminate mid-replay…). */
  onMessage?(ws: WebSocket, count: number): void;
  /** We close (1000) after this long if the server has not closed yet (the firehose never closes by itself). */
  closeAfterMs?: number;
  /** Give up (a hang) after this long. */
  timeoutMs?: number;
  /** Terminate before the handshake can finish. */
  abortAtOnce?: boolean;
}

export type WsOutcome =
  | { kind: 'rejected'; response: RawResponse }
  | { kind: 'closed'; code: number; reason: string; messages: string[]; byUs: boolean }
  | { kind: 'error'; message: string; messages: string[] }
  | { kind: 'hang'; messages: string[] };

export function wsProbe(url: string, plan: WsPlan = {}): Promise<WsOutcome> {
  return new Promise((resolve) => {
    const messages: string[] = [];
    let byUs = false;
    let done = false;
    const finish = (o: WsOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(hang);
      if (closer) clearTimeout(closer);
      resolve(o);
    };
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, { headers: plan.headers, handshakeTimeout: plan.timeoutMs ?? 10_000 });
    } catch (e) {
      // The client library refused the URL itself: nothing was sent.
      resolve({ kind: 'error', message: `client refused: ${(e as Error).message}`, messages });
      return;
    }
    const hang = setTimeout(() => {
      ws.terminate();
      finish({ kind: 'hang', messages });
    }, plan.timeoutMs ?? 10_000);
    let closer: NodeJS.Timeout | undefined;
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
        finish({
          kind: 'rejected',
          response: { status: res.statusCode ?? 0, headers, body, text: body.toString('utf8') },
        });
        ws.terminate();
      });
    });
    ws.on('open', () => {
      if (plan.closeAfterMs !== undefined) {
        closer = setTimeout(() => {
          byUs = true;
          ws.close(1000);
        }, plan.closeAfterMs);
      }
      if (plan.onOpen) {
        byUs = true; // whatever onOpen does, a close that follows may be its doing
        plan.onOpen(ws);
      }
    });
    ws.on('message', (data: WebSocket.RawData) => {
      messages.push(String(data));
      plan.onMessage?.(ws, messages.length);
    });
    ws.on('close', (code, reason) =>
      finish({ kind: 'closed', code, reason: String(reason), messages, byUs }),
    );
    ws.on('error', (e) => finish({ kind: 'error', message: e.message, messages }));
    if (plan.abortAtOnce) {
      byUs = true;
      ws.terminate();
    }
  });
}

/**
 * Why a stream outcome breaks the contract, or null. A rejected upgrade is judged like any HTTP answer; an accepted
 * one must send only schema-valid JSON messages numbered 0, 1, 2…, and never close with 1011 (internal error).
 */
export function streamViolation(
  o: WsOutcome,
  schema: z.ZodType,
  allowedCodes: readonly number[],
): string | null {
  if (o.kind === 'rejected') return contractViolation(o.response);
  if (o.kind === 'hang') return `no close within the timeout after ${o.messages.length} messages`;
  for (const [i, text] of o.messages.entries()) {
    const m = parseJson(text) as { seq?: unknown } | undefined;
    if (m === undefined) return `message ${i} is not JSON: ${text.slice(0, 80)}`;
    const r = schema.safeParse(m);
    if (!r.success)
      return `message ${i} breaks the schema: ${r.error.issues[0]?.message} at ${r.error.issues[0]?.path.join('.')}`;
    if (m.seq !== i) return `message ${i} has seq ${String(m.seq)}`;
  }
  if (o.kind === 'closed' && !allowedCodes.includes(o.code)) {
    return `closed with ${o.code} ${JSON.stringify(o.reason)}${o.byUs ? ' (after our own close)' : ''}`;
  }
  if (
    o.kind === 'error' &&
    !/closed before the connection|socket hang up|ECONNRESET|client refused/.test(o.message)
  ) {
    return `socket error: ${o.message}`;
  }
  return null;
}
