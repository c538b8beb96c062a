// What every WebSocket route shares: keep-alive pings and the answer to a plain HTTP request. (Malformed handshakes
// are refused by the ws library itself, answered as problems by http/raw-problems.ts.)
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { problemOf, sendProblem } from '../http/problems.ts';

/** Unanswered pings in a row after which a peer is taken for dead: one late pong (a busy client) is forgiven. */
export const MISSED_PONGS_LIMIT = 2;

/** Pings every `pingMs`; a peer that has answered none of the last MISSED_PONGS_LIMIT pings is cut off. */
export function keepAlive(socket: WebSocket, pingMs: number): void {
  let missed = 0;
  socket.on('pong', () => {
    missed = 0;
  });
  const timer = setInterval(() => {
    if (missed >= MISSED_PONGS_LIMIT) {
      socket.terminate();
      return;
    }
    missed++;
    socket.ping();
  }, pingMs);
  socket.on('close', () => clearInterval(timer));
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
