// The upgrade gate: WebSocket upgrades are queued as they arrive and handed to the router (the listeners that were
// on the server) a few per piece of the time slicer, in arrival order; an upgrade whose client left while it waited
// is dropped, and a socket error while it waits destroys the socket instead of going unhandled.
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TimeSlicer } from '../../src/stream/time-slicer.ts';
import { UpgradeGate } from '../../src/stream/upgrade-gate.ts';

/** A server as the gate sees it: an emitter of 'upgrade' with one listener (the router) on it already. */
function fakeServer() {
  const server = new EventEmitter();
  const routed: string[] = [];
  server.on('upgrade', (req: { url: string }) => routed.push(req.url));
  return { server: server as unknown as Server, routed };
}

const upgrade = (server: Server, url: string, socket = new PassThrough()) => {
  server.emit('upgrade', { url }, socket, Buffer.alloc(0));
  return socket;
};

describe('UpgradeGate', () => {
  it('routes nothing when an upgrade arrives, then a few per piece in arrival order', async () => {
    const { server, routed } = fakeServer();
    // A budget no piece reaches: every piece waiting runs in the first turn, one piece per upgrade batch.
    let pieces = 0;
    const slicer = new TimeSlicer(1000, 1000);
    const run = slicer.run.bind(slicer);
    const gate = new UpgradeGate(server, {
      perPiece: 3,
      pace: (piece) =>
        run(() => {
          pieces++;
          return piece();
        }),
    });
    for (let i = 0; i < 8; i++) upgrade(server, `/u${i}`);
    expect(routed).toEqual([]);
    expect(gate.waiting).toBe(8);
    await gate.idle();
    expect(routed).toEqual(['/u0', '/u1', '/u2', '/u3', '/u4', '/u5', '/u6', '/u7']);
    expect(pieces).toBe(3);
    expect(gate.waiting).toBe(0);
    // A later burst starts a new drain.
    upgrade(server, '/late');
    await gate.idle();
    expect(routed.at(-1)).toBe('/late');
  });

  it('shares the loop: the event loop turns between pieces, once a piece has spent the budget', async () => {
    const { server, routed } = fakeServer();
    let t = 0;
    // Each piece costs 10 ms on this clock and the budget is 10 ms: one piece per turn.
    const slicer = new TimeSlicer(10, 10, () => t);
    const order: string[] = [];
    const gate = new UpgradeGate(server, {
      perPiece: 2,
      pace: (piece) =>
        slicer.run(() => {
          t += 10;
          const more = piece();
          order.push(routed.join(','));
          if (order.length === 1) setImmediate(() => order.push('turn'));
          return more;
        }),
    });
    for (let i = 0; i < 4; i++) upgrade(server, `/u${i}`);
    await gate.idle();
    expect(order).toEqual(['/u0,/u1', 'turn', '/u0,/u1,/u2,/u3']);
  });

  it('drops an upgrade whose client left while it waited, and destroys a socket that errs while it waits', async () => {
    const { server, routed } = fakeServer();
    const slicer = new TimeSlicer(20, 20);
    const gate = new UpgradeGate(server, { perPiece: 8, pace: (piece) => slicer.run(piece) });
    upgrade(server, '/kept');
    const gone = upgrade(server, '/gone');
    const failing = upgrade(server, '/failing');
    gone.destroy();
    failing.emit('error', new Error('ECONNRESET'));
    await gate.idle();
    expect(failing.destroyed).toBe(true);
    expect(routed).toEqual(['/kept']);
    expect(gate.dropped).toBe(2);
  });

  it('once closed routes nothing more: the upgrades waiting and those arriving after are answered 503', async () => {
    const { server, routed } = fakeServer();
    const slicer = new TimeSlicer(20, 20);
    const gate = new UpgradeGate(server, { perPiece: 8, pace: (piece) => slicer.run(piece) });
    const answered = (socket: PassThrough) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
      });
      return () => text;
    };
    const waiting = upgrade(server, '/waiting');
    const waitingText = answered(waiting);
    gate.close();
    const late = upgrade(server, '/late');
    const lateText = answered(late);
    await gate.idle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(routed).toEqual([]);
    for (const [socket, text] of [
      [waiting, waitingText],
      [late, lateText],
    ] as const) {
      expect(text()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
      expect(socket.writableEnded).toBe(true);
    }
    expect(gate.waiting).toBe(0);
  });

  it('refuses a piece size that is not a positive integer', () => {
    const { server } = fakeServer();
    expect(() => new UpgradeGate(server, { perPiece: 0, pace: async () => {} })).toThrow(
      'UpgradeGate: perPiece must be a positive integer, got 0',
    );
  });
});
