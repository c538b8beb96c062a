// Retries only where repeating is safe (GET, DELETE, POST with an Idempotency-Key), waiting as Retry-After says.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradscopeClient, GradscopeError } from '../../src/client/index.ts';

const ID = '00000000-0000-4000-8000-000000000000';
const busy = {
  type: 'about:blank',
  title: 'The run queue is full',
  status: 429,
  code: 'queue_full',
  retryAfter: 1,
};

/** Answers each request with a 429 (Retry-After: 1) the first time it sees its method + path, then with `ok`. */
function flakyServer(ok: (req: IncomingMessage) => unknown) {
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const key = `${req.method} ${req.url?.split('?')[0]}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n === 1) {
      res.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': '1' });
      return res.end(JSON.stringify(busy));
    }
    res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok(req)));
  });
  return { server, seen };
}

describe('client retries', () => {
  let server: Server;
  let seen: Map<string, number>;
  let client: GradscopeClient;
  beforeAll(async () => {
    ({ server, seen } = flakyServer((req) =>
      req.method === 'GET'
        ? { items: [], nextCursor: null }
        : { id: ID, status: 'queued', links: { self: '', stream: '', metrics: '', model: '', cancel: '' } },
    ));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    client = new GradscopeClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { baseDelayMs: 10 } });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a GET is retried after the Retry-After the server asked for', async () => {
    const t0 = Date.now();
    const page = await client.listPage();
    expect(page.items).toEqual([]);
    expect(seen.get('GET /v1/runs')).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('a submit (always with an Idempotency-Key) is retried', async () => {
    expect((await client.submit({} as never)).id).toBe(ID);
    expect(seen.get('POST /v1/runs')).toBe(2);
  });

  it('a POST without a key (cancel) is not retried: the 429 problem is thrown', async () => {
    const e = await client.cancel(ID).catch((err) => err);
    expect(e).toBeInstanceOf(GradscopeError);
    expect(e).toMatchObject({ status: 429, code: 'queue_full', retryAfter: 1 });
    expect(seen.get(`POST /v1/runs/${ID}/cancel`)).toBe(1);
  });
});
