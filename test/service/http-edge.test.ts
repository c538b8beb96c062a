// The HTTP edge, over raw sockets: strict media types, charsets, encodings, UTF-8, query integers and paths;
// ?token= only on WebSocket upgrades; slow bodies timed out; connections capped per client address.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RawRequest, sendRaw } from '../fuzz/support/raw-http.ts';
import { freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { type RunningService, startService } from '../helpers/service.ts';
import { probe } from '../helpers/specs.ts';

const TOKEN = 'edge-secret';
const AUTH: [string, string] = ['Authorization', `Bearer ${TOKEN}`];
const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

describe('the HTTP edge (PGlite)', () => {
  let db: TestDatabase;
  let svc: RunningService;
  let port: number;
  beforeAll(async () => {
    db = await freshDatabase('pglite');
    svc = await startService(db, {
      AUTH_TOKENS: TOKEN,
      REQUEST_TIMEOUT_MS: '2000',
      HEADERS_TIMEOUT_MS: '1000',
      MAX_CONNECTIONS_PER_CLIENT: '8',
    });
    port = Number(new URL(svc.url).port);
  });
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
  });

  const send = (r: RawRequest) => sendRaw(port, r, 10_000);
  const postRun = (headers: [string, string][], body: string | Buffer = JSON.stringify(probe)) =>
    send({ method: 'POST', target: '/v1/runs', headers: [AUTH, ...headers], body });
  const problem = (text: string) => JSON.parse(text) as { status: number; code: string; detail: string };

  it('JSON bodies in UTF-8 are accepted, with or without charset=utf-8', async () => {
    expect((await postRun([JSON_TYPE])).status).toBe(202);
    expect((await postRun([['Content-Type', 'application/json; charset=UTF-8']])).status).toBe(202);
    expect((await postRun([['Content-Type', 'application/json;charset="utf-8"']])).status).toBe(202);
  });

  it.each(['utf-16', 'ebcdic', 'iso-8859-1'])('charset=%s is 415, not read as UTF-8', async (charset) => {
    const r = await postRun([['Content-Type', `application/json; charset=${charset}`]]);
    expect(r.status).toBe(415);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problem(r.text).code).toBe('unsupported_media_type');
    expect(problem(r.text).detail).toContain(charset);
  });

  it.each(['gzip', 'deflate', 'br'])(
    'Content-Encoding: %s is 415 with Accept-Encoding: identity',
    async (enc) => {
      const r = await postRun([JSON_TYPE, ['Content-Encoding', enc]]);
      expect(r.status).toBe(415);
      expect(r.headers['accept-encoding']).toBe('identity');
      expect(problem(r.text).code).toBe('unsupported_media_type');
    },
  );

  it('invalid UTF-8 bytes in a string are 400, never stored as U+FFFD', async () => {
    const [head, tail] = JSON.stringify({ ...probe, name: 'AB' }).split('AB');
    const body = Buffer.concat([Buffer.from(`${head}a`), Buffer.from([0xff, 0xfe]), Buffer.from(`b${tail}`)]);
    const r = await postRun([JSON_TYPE], body);
    expect(r.status).toBe(400);
    expect(problem(r.text).detail).toMatch(/UTF-8/);
    const list = await send({ method: 'GET', target: '/v1/runs?limit=100', headers: [AUTH] });
    expect(list.text).not.toContain('\ufffd');
  });

  it.each(['0x10', '1e1', ' 16', '16.0', '+16', '016', ''])(
    'limit=%j is 400: query integers are decimal',
    async (v) => {
      const r = await send({
        method: 'GET',
        target: `/v1/runs?limit=${encodeURIComponent(v)}`,
        headers: [AUTH],
      });
      expect(r.status).toBe(400);
      expect(problem(r.text).detail).toContain('/query/limit');
    },
  );

  it('limit=16 is accepted', async () => {
    expect((await send({ method: 'GET', target: '/v1/runs?limit=16', headers: [AUTH] })).status).toBe(200);
  });

  it.each(['/v1/runs/../runs', '/v1/runs/%2e%2e/runs', '/v1/runs/%2E./x', '/v1/./runs', '/./index.html'])(
    'a dot segment (%s) is 400 naming it',
    async (target) => {
      const r = await send({ method: 'GET', target, headers: [AUTH] });
      expect(r.status).toBe(400);
      expect(problem(r.text).detail).toMatch(/dot segment/);
    },
  );

  it('a 5,000-character run id is 400 on the id, not 403', async () => {
    const r = await send({ method: 'GET', target: `/v1/runs/${'a'.repeat(5000)}`, headers: [AUTH] });
    expect(r.status).toBe(400);
    expect(problem(r.text).detail).toContain('/params/id');
  });

  it('POST /v1/evaluate takes what it can use: over EVALUATE_BODY_LIMIT_BYTES (4 MiB) is 413 before parsing', async () => {
    const body = `{"features":[${'0.123456789012345678,'.repeat(220_000)}0]}`;
    expect(body.length).toBeGreaterThan(4 * 1024 * 1024);
    const r = await sendRaw(
      port,
      { method: 'POST', target: '/v1/evaluate', headers: [AUTH, JSON_TYPE], body, oversized: true },
      20_000,
    );
    expect(r.status).toBe(413);
    expect(problem(r.text).code).toBe('payload_too_large');
  });

  it('?token= is refused on HTTP routes (401) and accepted on WebSocket upgrades', async () => {
    const created = await postRun([JSON_TYPE]);
    const id = JSON.parse(created.text).id as string;
    for (const [method, target] of [
      ['POST', `/v1/runs?token=${TOKEN}`],
      ['GET', `/v1/runs?token=${TOKEN}`],
      ['GET', `/v1/runs/${id}?token=${TOKEN}`],
      ['POST', `/v1/runs/${id}/cancel?token=${TOKEN}`],
    ]) {
      const r = await send({
        method,
        target,
        headers: method === 'POST' ? [JSON_TYPE] : [],
        body: method === 'POST' ? JSON.stringify(probe) : undefined,
      });
      expect(r.status, `${method} ${target}`).toBe(401);
    }
    const upgraded = await new Promise<boolean>((resolve, reject) => {
      const ws = new WebSocket(`${svc.wsUrl}/v1/stream?token=${TOKEN}`);
      ws.on('open', () => {
        resolve(true);
        ws.close();
      });
      ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
      ws.on('error', reject);
    });
    expect(upgraded).toBe(true);
  });

  it('GET /openapi.json declares bearer security, operationIds and every shared error as problem+json', async () => {
    const doc = JSON.parse((await send({ method: 'GET', target: '/openapi.json' })).text);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ops = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
      Object.entries<any>(item).map(([method, op]) => ({ path, method, op })),
    );
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ops.length);
    const create = doc.paths['/v1/runs'].post;
    expect(create.operationId).toBe('createRun');
    expect(create.responses['202'].headers.Location).toBeDefined();
    for (const { path, op } of ops.filter((o) => o.path.startsWith('/v1/'))) {
      expect(op.security, path).toEqual([{ bearerAuth: [] }]);
      for (const status of ['400', '401', '429', '500', '503']) {
        expect(Object.keys(op.responses[status]?.content ?? {}), `${path} ${status}`).toEqual([
          'application/problem+json',
        ]);
      }
      expect(op.responses['429'].headers['Retry-After'], path).toBeDefined();
      if (op.requestBody)
        for (const s of ['413', '415']) expect(op.responses[s], `${path} ${s}`).toBeDefined();
    }
  });

  it('a slow body (1 byte per 500 ms of a 400,000-byte Content-Length) is cut by REQUEST_TIMEOUT_MS', async () => {
    const socket = net.connect(port, '127.0.0.1');
    const t0 = Date.now();
    const closed = new Promise<{ ms: number; answer: string }>((resolve) => {
      let answer = '';
      socket.on('data', (d) => {
        answer += d.toString('latin1');
      });
      socket.on('close', () => resolve({ ms: Date.now() - t0, answer }));
      socket.on('error', () => {});
    });
    socket.write(
      `POST /v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 400000\r\n\r\n{`,
    );
    const drip = setInterval(() => socket.writable && socket.write(' '), 500);
    const deadline = setTimeout(() => socket.destroy(), 30_000);
    const { ms, answer } = await closed;
    clearInterval(drip);
    clearTimeout(deadline);
    // Generous: the timeout is 2 s, checked every second; a busy machine may take longer, but not 30 s.
    expect(ms).toBeLessThan(25_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  }, 40_000);

  it('answers outside the router with the same problems: CONNECT 405, an unmet Expect 417, a bad header 400', async () => {
    const connect = await send({
      method: 'CONNECT',
      target: 'example.com:443',
      headers: [['Host', 'example.com:443']],
    });
    expect(connect.status).toBe(405);
    expect(connect.headers['content-type']).toBe('application/problem+json');
    expect(problem(connect.text)).toMatchObject({ status: 405, detail: 'CONNECT is not supported' });
    const expectation = await send({ method: 'GET', target: '/healthz', headers: [['Expect', 'nonsense']] });
    expect(expectation.status).toBe(417);
    expect(expectation.headers['content-type']).toBe('application/problem+json');
    expect(problem(expectation.text)).toMatchObject({ status: 417, code: 'validation_failed' });
    const bad = await send({ method: 'GET', target: '/healthz', headers: [['Content-Length', 'x']] });
    expect(bad.status).toBe(400);
    expect(problem(bad.text).detail).toMatch(/^the request could not be parsed \(HPE_/);
  });

  it('connections beyond MAX_CONNECTIONS_PER_CLIENT from one address are refused with 429; others still served', async () => {
    const open: net.Socket[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const s = net.connect(port, '127.0.0.1');
        await new Promise((r) => s.once('connect', r));
        open.push(s);
      }
      // Let the server see all eight before the ninth arrives.
      await new Promise((r) => setTimeout(r, 200));
      const refused = await sendRaw(port, { method: 'GET', target: '/healthz' }, 10_000);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(problem(refused.text).detail).toMatch(/connections/);
    } finally {
      for (const s of open) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect((await sendRaw(port, { method: 'GET', target: '/healthz' }, 10_000)).status).toBe(200);
  });
});
