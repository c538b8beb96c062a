// Optional bearer-token authentication for the API and its streams (AUTH_TOKENS). Probes, metrics, docs
// and the dashboard's static files stay open; the dashboard asks the user for a token when the API says 401.
import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { AppError } from '../http/problems.ts';

/**
 * The bearer token of a request. Browsers cannot set headers on a WebSocket, so an upgrade may carry it as
 * ?token=…; on plain HTTP routes the query is not looked at (a token in a URL ends up in logs and histories).
 */
export function tokenOf(authorization: string | undefined, url: string, upgrade: boolean): string | null {
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (m) return m[1].trim();
  if (!upgrade) return null;
  const q = url.indexOf('?');
  if (q < 0) return null;
  return new URLSearchParams(url.slice(q + 1)).get('token');
}

/** The URL with any token query parameter masked, for logs. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = key;
      try {
        decoded = decodeURIComponent(key.replace(/\+/g, ' '));
      } catch {}
      return decoded.trim().toLowerCase() === 'token' ? `${key}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}

function matches(given: string, tokens: Buffer[]): boolean {
  const g = Buffer.from(given);
  let ok = false;
  for (const t of tokens) if (t.length === g.length && timingSafeEqual(t, g)) ok = true;
  return ok;
}

export const authPlugin = fp<{ tokens: string[] }>(
  async (app, { tokens }) => {
    if (tokens.length === 0) return;
    const secrets = tokens.map((t) => Buffer.from(t));
    app.addHook('onRequest', async (req, reply) => {
      // Decide on the route the router matched, not on the raw URL: /v%31/runs and absolute-form
      // targets reach /v1 routes too.
      const route = req.routeOptions.url;
      if (route === undefined || !route.startsWith('/v1/')) return;
      const token = tokenOf(req.headers.authorization, req.url, req.ws);
      if (token !== null && matches(token, secrets)) return;
      reply.header('www-authenticate', 'Bearer realm="gradscope"');
      throw new AppError(
        'unauthorized',
        token !== null
          ? 'the token is not valid'
          : req.ws
            ? 'send Authorization: Bearer <token>, or ?token=<token> on a WebSocket'
            : 'send Authorization: Bearer <token> (?token= is accepted on WebSocket streams only)',
      );
    });
  },
  { name: 'auth' },
);
