// A byte-exact HTTP/1.1 client for hostile requests (any method token, target, header bytes or body), with a timeout.
// fetch normalises paths, refuses some methods and header bytes, and sets its own headers; this sends what it is given.
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent: '/v1/runs?x=1', '/%76%31/runs', 'http://host/v1/runs', '*'. */
  target: string;
  /** Header lines in order; duplicates allowed. Host and Connection: close are added unless given. */
  headers?: [string, string][];
  body?: string | Buffer;
  /** Leave out the Content-Length header a body otherwise gets (for hand-made framing). */
  noContentLength?: boolean;
  /**
   * The body is over the server's limit: the server may answer 413 early and close while the body is
   * still being written, so a reset (EPIPE/ECONNRESET) before the answer is read counts as the refusal.
   */
  oversized?: boolean;
}

export interface RawResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
  /** The body as text (UTF-8). */
  text: string;
}

/** A request the server did not answer in time, or answered with something that is not HTTP. */
export class NoAnswerError extends Error {
  override name = 'NoAnswerError';
}

export function encodeRequest(r: RawRequest): Buffer {
  const headers = [...(r.headers ?? [])];
  const has = (name: string) => headers.some(([k]) => k.toLowerCase() === name);
  if (!has('host')) headers.unshift(['Host', 'fuzz.local']);
  if (!has('connection')) headers.push(['Connection', 'close']);
  const body =
    r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  if (body && !r.noContentLength && !has('content-length') && !has('transfer-encoding')) {
    headers.push(['Content-Length', String(body.length)]);
  }
  const head = `${r.method} ${r.target} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  // latin1 keeps each char of the head one byte, so header values can carry any octet.
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/** Sends the request on a fresh connection and reads the answer until the server closes it. */
export function sendRaw(port: number, r: RawRequest | Buffer, timeoutMs: number): Promise<RawResponse> {
  const bytes = Buffer.isBuffer(r) ? r : encodeRequest(r);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      const parsed = data.length > 0 ? parseResponse(data) : null;
      // A server may answer early (413) and reset the connection while the body is still being written.
      if (parsed) resolve(parsed);
      else reject(err ?? new NoAnswerError(`no HTTP answer (${data.length} bytes)`));
    };
    const timer = setTimeout(
      () => finish(new NoAnswerError(`no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('data', (c) => {
      chunks.push(c);
      if (isComplete(Buffer.concat(chunks))) finish();
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (e) => finish(e));
    // write, not end: a half-closed connection lets Node's server drop a request whose answer is still pending.
    socket.write(bytes);
  });
}

function splitHead(data: Buffer): { status: number; headers: Record<string, string>; rest: Buffer } | null {
  // Interim answers (100 Continue, 102, 103) precede the final one; 101 is final for HTTP.
  while (/^HTTP\/1\.[01] 1(0[02-9]|[1-9]\d)/.test(data.subarray(0, 16).toString('latin1'))) {
    const interimEnd = data.indexOf('\r\n\r\n');
    if (interimEnd < 0) return null;
    data = data.subarray(interimEnd + 4);
  }
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  return { status: Number(m[1]), headers, rest: data.subarray(end + 4) };
}

function isComplete(data: Buffer): boolean {
  const h = splitHead(data);
  if (!h) return false;
  if (h.status === 101) return true; // switched protocols: nothing more will come as HTTP
  const length = h.headers['content-length'];
  if (length !== undefined) return h.rest.length >= Number(length);
  if (/chunked/i.test(h.headers['transfer-encoding'] ?? ''))
    return h.rest.includes('\r\n0\r\n\r\n') || h.rest.subarray(0, 5).toString() === '0\r\n\r\n';
  return false;
}

function parseResponse(data: Buffer): RawResponse | null {
  const h = splitHead(data);
  if (!h) return null;
  let body = h.rest;
  if (/chunked/i.test(h.headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (h.headers['content-length'] !== undefined)
    body = body.subarray(0, Number(h.headers['content-length']));
  return { status: h.status, headers: h.headers, body, text: body.toString('utf8') };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = Number.parseInt(b.subarray(i, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(b.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
