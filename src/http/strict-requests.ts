// Strict reading of what a request is: JSON bodies only as UTF-8 (charset checked, invalid bytes refused),
// no Content-Encoding, and no dot segments in the path. Each refusal is a precise 400 or 415 problem.
import type { FastifyInstance } from 'fastify';
import { AppError } from './problems.ts';

const CHARSET = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;
/** A path segment that is `.` or `..`, literally or percent-encoded (%2e). */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/** The charset parameter of a Content-Type, lower-cased; null when there is none. */
export function charsetOf(contentType: string | undefined): string | null {
  const m = CHARSET.exec(contentType ?? '');
  return m ? (m[1] ?? m[2] ?? '').toLowerCase() : null;
}

/** The first dot segment of a request target's path, or null. */
export function dotSegmentOf(url: string): string | null {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.split('/').find((s) => DOT_SEGMENT.test(s)) ?? null;
}

/** The detail of a JSON body whose bytes are not UTF-8 (on the event loop here, or off it: http/off-loop-body.ts). */
export const INVALID_UTF8_DETAIL = 'the body is not valid UTF-8';

/** The 415 of a JSON body declared in a charset other than UTF-8; null when it is UTF-8 or undeclared. */
export function charsetError(contentType: string | undefined): AppError | null {
  const charset = charsetOf(contentType);
  if (charset === null || charset === 'utf-8' || charset === 'utf8') return null;
  return new AppError('unsupported_media_type', `charset=${charset} is not supported: send JSON as UTF-8`);
}

export function registerStrictRequests(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  // fatal: a byte sequence that is not UTF-8 is an error, not a U+FFFD stored in a run's name.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const refused = charsetError(req.headers['content-type']);
    if (refused) {
      done(refused);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new AppError('validation_failed', INVALID_UTF8_DETAIL));
      return;
    }
    parseJson(req, text, done);
  });

  app.addHook('onRequest', async (req, reply) => {
    const dot = dotSegmentOf(req.url);
    if (dot !== null) {
      throw new AppError(
        'validation_failed',
        `the path has a dot segment ("${dot}"): send the resolved path`,
      );
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      reply.header('accept-encoding', 'identity');
      throw new AppError(
        'unsupported_media_type',
        `Content-Encoding: ${encoding} is not supported: send the body uncompressed`,
      );
    }
  });
}
