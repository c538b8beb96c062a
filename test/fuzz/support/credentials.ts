// Credentials for the auth fuzz suite: ones that must be refused (none, random, near misses of a real token, a real
// token in a place the server does not read it from) and ones that must be accepted (the documented places).
import fc from 'fast-check';

/** How a request carries (or fails to carry) a credential. */
export interface Credential {
  headers: [string, string][];
  /** Extra query parameters, already encoded ('a=b'). */
  query: string[];
  /** Appended to the target as is (a fragment). */
  suffix?: string;
  what: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** Header values travel as latin1 bytes: non-latin1 text goes as its UTF-8 bytes. */
const latin1 = (s: string) =>
  Buffer.from(s, 'utf8')
    .toString('latin1')
    .replace(/[\r\n]/g, '');

/** Strings close to a real token that are not a valid token, in a header (trimmed by the server) or a query. */
function nearMiss(tokens: readonly string[]): fc.Arbitrary<string> {
  const t = fc.constantFrom(...tokens);
  return fc
    .oneof(
      t.chain((s) =>
        fc
          .tuple(fc.nat(s.length - 1), fc.constantFrom('0', 'x', 'Z', '-', '%', '+', ' '))
          .map(([i, c]) => `${s.slice(0, i)}${c}${s.slice(i + 1)}`),
      ),
      t.map((s) => s.slice(0, -1)),
      t.map((s) => s.slice(1)),
      t.map((s) => `${s}x`),
      t.map((s) => `x${s}`),
      t.map((s) => s.toUpperCase()),
      t.map((s) => s.toLowerCase()),
      t.map((s) => `${s}\u200b`),
      t.map((s) => [...s].reverse().join('')),
      t.map((s) => `${s}${s}`),
      fc.constant(tokens.join(',')),
      fc.constant(tokens.join(' ')),
      fc.string({ maxLength: 40 }),
    )
    .filter((s) => !tokens.includes(s) && !tokens.includes(s.trim()));
}

/** Credentials the server must refuse. */
export function invalidCredential(tokens: readonly string[]): fc.Arbitrary<Credential> {
  const t = fc.constantFrom(...tokens);
  const miss = nearMiss(tokens);
  return fc.oneof(
    fc.constant<Credential>({ headers: [], query: [], what: 'no credential' }),
    miss.map(
      (m): Credential => ({
        headers: [['Authorization', latin1(`Bearer ${m}`)]],
        query: [],
        what: `Bearer near miss ${JSON.stringify(m)}`,
      }),
    ),
    fc.string({ maxLength: 60 }).map(
      (m): Credential => ({
        headers: [['Authorization', latin1(m)]],
        query: [],
        what: `Authorization ${JSON.stringify(m)}`,
      }),
    ),
    t.chain((s) =>
      fc
        .constantFrom(
          `Basic ${b64(`${s}:`)}`,
          `Basic ${b64(`:${s}`)}`,
          `Token ${s}`,
          s,
          `Bearer${s}`,
          `Bearer:${s}`,
          `Bearer=${s}`,
          `"Bearer ${s}"`,
          `Bearer "${s}"`,
          `Bearer ${s} ${s}`,
          `Bearer ${s},${s}`,
          `Digest ${s}`,
        )
        .map(
          (v): Credential => ({
            headers: [['Authorization', v]] as [string, string][],
            query: [],
            what: `Authorization scheme ${JSON.stringify(v.replace(s, 'TOKEN'))}`,
          }),
        ),
    ),
    fc
      .tuple(
        fc.constantFrom(
          'Cookie',
          'X-Api-Key',
          'X-Auth-Token',
          'Proxy-Authorization',
          'Token',
          'Authorisation',
          'X-Authorization',
        ),
        t,
        fc.constantFrom('', 'token=', 'Bearer '),
      )
      .map(
        ([h, s, prefix]): Credential => ({
          headers: [[h, `${prefix}${s}`]] as [string, string][],
          query: [],
          what: `token in header ${h}`,
        }),
      ),
    fc
      .tuple(
        fc.constantFrom(
          'access_token',
          'Token',
          'TOKEN',
          'tok',
          'token%5B%5D',
          'token%20',
          'auth',
          'bearer',
          'api_key',
          'tokens',
        ),
        t,
      )
      .map(
        ([k, s]): Credential => ({
          headers: [],
          query: [`${k}=${encodeURIComponent(s)}`],
          what: `token in query parameter ${k}`,
        }),
      ),
    miss.map(
      (m): Credential => ({
        headers: [],
        query: [`token=${encodeURIComponent(m)}`],
        what: `?token= near miss ${JSON.stringify(m)}`,
      }),
    ),
    fc.tuple(miss, t).map(
      ([m, s]): Credential => ({
        headers: [],
        query: [`token=${encodeURIComponent(m)}`, `token=${s}`],
        what: 'a wrong ?token= before the right one',
      }),
    ),
    // (A blank near miss would leave "Bearer" alone, which is no bearer header: the server then reads ?token=.)
    fc
      .tuple(
        miss.filter((m) => m.trim() !== ''),
        t,
      )
      .map(
        ([m, s]): Credential => ({
          headers: [['Authorization', latin1(`Bearer ${m}`)]] as [string, string][],
          query: [`token=${s}`],
          what: 'a wrong bearer header with a right ?token=',
        }),
      ),
    t.map(
      (s): Credential => ({ headers: [], query: [], suffix: `#token=${s}`, what: 'token in the fragment' }),
    ),
  );
}

/** Credentials the server accepts: a bearer header (any case and spacing), or ?token= (on WebSocket upgrades only). */
export function validCredential(tokens: readonly string[]): fc.Arbitrary<Credential> {
  const t = fc.constantFrom(...tokens);
  return fc.oneof(
    t.chain((s) =>
      fc.constantFrom(`Bearer ${s}`, `bearer ${s}`, `BEARER   ${s}  `, `Bearer\t${s}`).map(
        (v): Credential => ({
          headers: [['Authorization', v]] as [string, string][],
          query: [],
          what: `Authorization ${JSON.stringify(v.replace(s, 'TOKEN'))}`,
        }),
      ),
    ),
    t.map((s): Credential => ({ headers: [], query: [`token=${encodeURIComponent(s)}`], what: '?token=' })),
  );
}

/** Ways to spell a /v1 path that a router may still match: the raw URL then no longer starts with "/v1/". */
export const pathSpelling: fc.Arbitrary<{ what: string; spell: (path: string) => string }> = fc.constantFrom(
  { what: 'plain', spell: (p: string) => p },
  { what: 'plain', spell: (p: string) => p },
  { what: '%76 for v', spell: (p: string) => p.replace('/v1/', '/%761/') },
  { what: '%31 for 1', spell: (p: string) => p.replace('/v1/', '/v%31/') },
  { what: 'absolute-form target', spell: (p: string) => `http://fuzz.local${p}` },
  { what: '%75 in runs', spell: (p: string) => p.replace('/runs', '/r%75ns') },
);
