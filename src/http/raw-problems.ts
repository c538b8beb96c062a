// The one writer of answers that cannot go through a fastify reply: on the raw socket of a request Node's
// parser rejected, of a CONNECT, of an unmet Expect, or of a WebSocket handshake the ws library refused.
// Each gets the same RFC 9457 problem as every other error, and the connection is closed.
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Problem } from '../schemas/problem.ts';
import { problemOf } from './problems.ts';

/** Writes `problem` as a whole HTTP/1.1 response on `socket` and closes it (destroys it when not writable). */
export function writeRawProblem(
  socket: Duplex,
  problem: Problem,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(problem);
  const lines = Object.entries({
    'content-type': 'application/problem+json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...headers,
  }).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n${lines.join('')}\r\n${body}`,
  );
}

/**
 * Node's HTTP parser rejected the request (bad method, header, content-length…) or its timeouts expired:
 * a problem on the raw socket when it can still be written, then close it.
 */
export function rawClientError(err: Error & { code?: string }, socket: Duplex): void {
  // Node's requestTimeout / headersTimeout expired: the client was too slow to send its request.
  const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : timedOut ? 408 : 400;
  const detail = timedOut
    ? 'the request was not received in time (REQUEST_TIMEOUT_MS / HEADERS_TIMEOUT_MS)'
    : `the request could not be parsed (${err.code ?? 'bad request'})`;
  writeRawProblem(socket, { ...problemOf('validation_failed', detail, '/'), status });
}

/**
 * Requests that never reach fastify's router: CONNECT (answered 405 instead of a dropped connection), and an
 * Expect other than 100-continue (a problem instead of Node's empty 417).
 */
export function answerUnroutable(server: Server): void {
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    writeRawProblem(socket, {
      ...problemOf('route_not_found', 'CONNECT is not supported', '/'),
      status: 405,
      title: 'Method not allowed',
    });
  });
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    writeRawProblem(res.socket as Duplex, {
      ...problemOf('validation_failed', 'only "Expect: 100-continue" is supported', '/'),
      status: 417,
      title: 'Expectation failed',
    });
  });
}

/** A WebSocket handshake the ws library refused (its message names the header): 400, with the versions it speaks. */
export function rawHandshakeError(err: Error, socket: Duplex, req: IncomingMessage): void {
  const path = (req.url ?? '/').split('?')[0];
  const headers: Record<string, string> = /Version/.test(err.message)
    ? { 'sec-websocket-version': '13, 8' }
    : {};
  writeRawProblem(
    socket,
    problemOf('validation_failed', `WebSocket handshake: ${err.message}`, path),
    headers,
  );
}
