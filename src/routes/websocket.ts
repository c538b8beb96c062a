// What every WebSocket route shares: the handshake check, keep-alive pings, and the answer to a plain HTTP request.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError, problemOf, sendProblem } from '../http/problems.ts';

/** Pings every `pingMs`; a peer that has not answered the previous ping is cut off. */
export function keepAlive(socket: WebSocket, pingMs: number): void {
  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  const timer = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, pingMs);
  socket.on('close', () => clearInterval(timer));
}

/**
 * An upgrade request with a malformed handshake gets a problem here; left to the ws library it would get an
 * HTML page. (RFC 6455: Sec-WebSocket-Key is 16 base64-encoded bytes, Sec-WebSocket-Version is 13.)
 */
export function checkHandshake(req: FastifyRequest): void {
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return;
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{21}[AQgw]==$/.test(key)) {
    throw new AppError('validation_failed', 'Sec-WebSocket-Key must be 16 base64-encoded bytes');
  }
  if (version !== '13' && version !== '8')
    throw new AppError('validation_failed', 'Sec-WebSocket-Version must be 13');
  const protocol = req.headers['sec-websocket-protocol'];
  if (
    protocol !== undefined &&
    !/^\s*[\w!#$%&'*+.^`|~-]+(\s*,\s*[\w!#$%&'*+.^`|~-]+)*\s*$/.test(String(protocol))
  ) {
    throw new AppError(
      'validation_failed',
      'Sec-WebSocket-Protocol must be a comma-separated list of tokens',
    );
  }
}

/** A plain HTTP request to a stream: say how to use it instead of an empty 404. */
export async function upgradeRequired(req: FastifyRequest, reply: FastifyReply) {
  reply.header('upgrade', 'websocket');
  return sendProblem(reply, {
    ...problemOf(
      'validation_failed',
      `${req.url.split('?')[0]} is a WebSocket: connect with Upgrade: websocket`,
      req.url.split('?')[0],
    ),
    status: 426,
    title: 'Upgrade required',
  });
}
