// fast-check arbitraries of the parts of a request besides its body: query strings (with numbers at the edges of
// int4, uint32 and safe integers), list cursors, run ids, and header values.
import fc from 'fast-check';
import { hostileKey } from './arbitraries.ts';

/** A date anywhere in JS's range (years −271821..275760), where Postgres' range is narrower. */
const anyDate = fc.date({ noInvalidDate: true });

/** Strings shaped like our list cursor (base64url of "<iso>|<uuid>"), and near misses. */
export const cursorLike: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(anyDate, fc.uuid()).map(([d, u]) => Buffer.from(`${d.toISOString()}|${u}`).toString('base64url')),
  fc
    .tuple(
      fc.string({ maxLength: 30 }),
      fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })),
      fc.option(fc.string({ maxLength: 5 })),
    )
    .map(([a, b, c]) => Buffer.from(c === null ? `${a}|${b}` : `${a}|${b}|${c}`).toString('base64url')),
  fc.base64String({ maxLength: 120 }),
  fc.string({ minLength: 1, maxLength: 40 }),
);

/** Numbers at the edges of the types a value may land in: int4 (Postgres integer), uint32, safe integers, doubles. */
const numericEdge: fc.Arbitrary<string> = fc.oneof(
  fc
    .constantFrom(
      0,
      1,
      -1,
      2 ** 31 - 1,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 53 - 1,
      2 ** 53,
      1e21,
      1e308,
    )
    .map(String),
  fc.constantFrom(
    '-0',
    '1e3',
    '1.5',
    '0x10',
    '0b11',
    '1e999',
    'NaN',
    'Infinity',
    '+1',
    '00',
    ' 7',
    '7 ',
    '١',
  ),
  fc.integer({ min: 2 ** 31 - 5, max: 2 ** 31 + 5 }).map(String),
);

/** One query value, before encoding. */
export const queryValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: numericEdge, weight: 3 },
  {
    arbitrary: fc.constantFrom(
      '',
      '0',
      '-1',
      '1',
      '2',
      '100',
      '101',
      '1e3',
      '1.5',
      'NaN',
      'Infinity',
      '-0',
      '0x10',
      '2147483647',
      '2147483648',
      '4294967296',
      '9007199254740991',
      '9007199254740993',
      '1e999',
      'true',
      'null',
      '[]',
      '__proto__',
      'queued',
      'running',
      'succeeded',
      'train',
      'probe',
      ' 1',
      '1 ',
      '0,1',
      '0,,2',
      ',',
      '199',
      '200',
      'gradNorm',
      'gradNorm,deadFrac',
      'gradnorm',
    ),
    weight: 6,
  },
  { arbitrary: fc.integer().map(String), weight: 2 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 1 },
  { arbitrary: cursorLike, weight: 2 },
  { arbitrary: fc.constantFrom(499, 501, 3000).map((n) => 'c'.repeat(n)), weight: 1 },
);

/** Percent-encoding that is itself broken, sent as is. */
const brokenEncoding = fc.constantFrom(
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%FF%FE',
  '%C0%AF',
  '%2',
  '%%',
  '+%2B+',
);

/** A query string (without '?') of `keys` and junk: repeated parameters, broken encoding, odd separators. */
export function queryString(keys: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { arbitrary: fc.constantFrom(...keys), weight: 6 },
    { arbitrary: hostileKey, weight: 1 },
    { arbitrary: fc.constantFrom('token', 'limit[]', 'a[b]', '__proto__[x]'), weight: 1 },
  );
  const pair = fc.oneof(
    {
      arbitrary: fc
        .tuple(key, queryValue)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
      weight: 8,
    },
    { arbitrary: fc.tuple(key, brokenEncoding).map(([k, v]) => `${encodeURIComponent(k)}=${v}`), weight: 1 },
    { arbitrary: key.map((k) => encodeURIComponent(k)), weight: 1 },
  );
  // Half the cases change one parameter only, so that the others do not mask it with their own 400.
  return fc.oneof(
    pair,
    fc.array(pair, { maxLength: 5 }).map((ps) => ps.join('&')),
  );
}

/**
 * A valid query (some of `valid`'s parameters) with one parameter set to a hostile value: the others being valid,
 * the hostile one reaches the code behind validation instead of being masked by another parameter's 400.
 */
export function mutatedQuery(valid: Record<string, string>): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  return fc
    .record({
      kept: fc.subarray(keys),
      target: fc.constantFrom(...keys),
      value: fc.oneof({ arbitrary: numericEdge, weight: 2 }, { arbitrary: queryValue, weight: 1 }),
    })
    .map(({ kept, target, value }) =>
      [
        ...kept.filter((k) => k !== target).map((k) => `${k}=${encodeURIComponent(valid[k])}`),
        `${target}=${encodeURIComponent(value)}`,
      ].join('&'),
    );
}

/** Run ids: real ones, unknown uuids, and strings that are not uuids at all. */
export function runIdLike(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...real), weight: 3 },
    { arbitrary: fc.constantFrom(...real).map((id) => id.toUpperCase()), weight: 1 },
    { arbitrary: fc.uuid().map((u) => u), weight: 3 },
    {
      arbitrary: fc.constantFrom(
        '00000000-0000-0000-0000-000000000000',
        'ffffffff-ffff-ffff-ffff-ffffffffffff',
        'not-a-uuid',
        '1',
        '-1',
        'null',
        '%00',
        '%2e%2e',
        '..',
        '%2F',
        'a'.repeat(5000),
      ),
      weight: 2,
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...real), fc.constantFrom('x', '0', '%00', '%20', '}', '/', '/x', '?x=1', ';'))
        .map(([id, s]) => `${id}${s}`),
      weight: 1,
    },
    { arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent), weight: 2 },
  );
}

/** A header value as bytes of latin1: printable junk, high bytes, long values, and values of real meaning. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'wait=1',
      'wait=0',
      'wait=-1',
      'wait=1.5',
      'wait=99999999999999999999',
      'respond-async',
      'respond-async, wait=1',
      'wait=1,wait=2',
      'handling=strict',
      'text/csv',
      'text/csv, application/json',
      '*/*',
      'application/xml',
      'application/problem+json',
      'Bearer',
      'Bearer ',
      'Bearer x',
      'Basic Og==',
      'null',
      'x'.repeat(200),
      'x'.repeat(201),
    ),
    weight: 5,
  },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  {
    arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map((s) =>
      Buffer.from(s, 'utf8')
        .toString('latin1')
        .replace(/[\r\n]/g, ' '),
    ),
    weight: 1,
  },
  { arbitrary: fc.constantFrom(2_000, 12_000, 20_000).map((n) => 'h'.repeat(n)), weight: 1 },
);

export const headerName: fc.Arbitrary<string> = fc.constantFrom(
  'Idempotency-Key',
  'Prefer',
  'Accept',
  'Authorization',
  'X-Request-Id',
  'Accept-Encoding',
  'Accept-Charset',
  'Cookie',
  'Origin',
  'Expect',
  'If-None-Match',
  'Range',
  'X-Forwarded-For',
  'Forwarded',
  'X-HTTP-Method-Override',
  'Content-Language',
  'X-Fuzz',
);
