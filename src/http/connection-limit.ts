// A cap on the open connections (WebSockets included) of one client address. A connection over the cap is
// marked when it opens; its first request is answered 429 (Retry-After) and the connection closed, and if it
// never sends one it is closed by the headers timeout. One client cannot hold every socket of the server.
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AppError } from './problems.ts';

export function limitConnectionsPerClient(app: FastifyInstance, max: number): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  const over = new WeakSet<Socket>();
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const n = open.get(address) ?? 0;
    if (n >= max) {
      over.add(socket);
      return;
    }
    open.set(address, n + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  app.addHook('onRequest', async (req, reply) => {
    if (!over.has(req.raw.socket)) return;
    reply.header('connection', 'close');
    throw new AppError('rate_limited', `more than ${max} open connections from your address: close some`, {
      retryAfter: 1,
    });
  });
}
