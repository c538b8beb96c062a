// Strings the database cannot hold (U+0000, lone surrogates) are a 400 with their JSON pointer, never a 500
// (issue 12 §5), on PGlite and on Postgres; and every string an operation accepts is declared storable.
import { expect, it } from 'vitest';
import { describeServiceOnEachDatabase, http } from '../helpers/service.ts';
import { quickTrain } from '../helpers/specs.ts';

/** The strings of the issue; JSON.stringify writes them as \u escapes, exactly as a client would send them. */
const UNSTORABLE = ['\ud800', '\udfff', '\udc00\ud800', 'a\u0000b'];

describeServiceOnEachDatabase('unstorable text', (service) => {
  const url = () => service().url;

  function expectProblem(
    res: { status: number; headers: Headers; body: any },
    pointer: string,
    what: string,
  ): void {
    expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([pointer]);
    expect(res.body.errors[0].message).toMatch(/U\+0000|surrogate/);
  }

  it.each(UNSTORABLE)('a run named %j is a 400 at /body/name', async (name) => {
    const res = await http(`${url()}/v1/runs`, { body: quickTrain(1, { name }) });
    expectProblem(res, '/body/name', JSON.stringify(name));
  });

  it('a gradcheck or a probe named with a NUL is refused the same way', async () => {
    const probe = {
      kind: 'probe',
      name: 'x\u0000',
      network: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binary_cross_entropy' },
      init: { weights: { scheme: 'xavier_normal' } },
      data: { source: 'circles', n: 8 },
    };
    expectProblem(await http(`${url()}/v1/runs`, { body: probe }), '/body/name', 'probe');
  });

  it.each(['%00', 'a%00b', '%ED%A0%80x'])(
    'GET /v1/runs?name=%s is a 400 at /query/name, or matches nothing',
    async (q) => {
      const res = await http(`${url()}/v1/runs?name=${q}`);
      if (q.includes('%00')) expectProblem(res, '/query/name', q);
      // Bytes that are not UTF-8 are decoded as U+FFFD, which is storable text: an ordinary empty result.
      else expect(res.status, JSON.stringify(res.body)).toBe(200);
    },
  );

  it('a cursor with a NUL is a 400 at /query/cursor', async () => {
    const res = await http(`${url()}/v1/runs?cursor=abc%00`);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/query/cursor']);
  });

  it('proper surrogate pairs and other non-ASCII names are stored and come back unchanged', async () => {
    const name = 'ÿ 😀 \u{10ffff} α';
    const created = await http(`${url()}/v1/runs`, { body: quickTrain(1, { name }) });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const read = await http(`${url()}/v1/runs/${created.body.id}`);
    expect(read.body.name).toBe(name);
    const listed = await http(`${url()}/v1/runs?name=${encodeURIComponent('😀')}`);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
  });

  it('every free-text string an operation accepts (body, query, header) refuses NUL and lone surrogates', async () => {
    const doc = (await http(`${url()}/openapi.json`)).body;
    const resolve = (s: any): any => (s?.$ref ? resolve(doc.components.schemas[s.$ref.split('/').pop()]) : s);
    const unguarded: string[] = [];
    const seen = new Set<unknown>();
    const walk = (node: any, where: string): void => {
      const s = resolve(node);
      if (!s || typeof s !== 'object' || seen.has(s)) return;
      seen.add(s);
      const types = [s.type].flat();
      if (types.includes('string') && s.enum === undefined && s.const === undefined) {
        const re = s.pattern === undefined ? null : new RegExp(s.pattern, 'u');
        if (!re || UNSTORABLE.some((t) => re.test(t))) unguarded.push(where);
      }
      for (const [k, v] of Object.entries(s)) {
        if (k === 'enum' || k === 'const' || k === 'examples' || k === 'default') continue;
        if (v && typeof v === 'object') walk(v, `${where}/${k}`);
      }
    };
    let operations = 0;
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        operations++;
        for (const p of op.parameters ?? []) walk(p.schema, `${method} ${path} ${p.in} ${p.name}`);
        for (const [type, c] of Object.entries<any>(op.requestBody?.content ?? {}))
          walk(c.schema, `${method} ${path} body ${type}`);
      }
    }
    expect(operations).toBeGreaterThan(5);
    expect(unguarded).toEqual([]);
  });
});
