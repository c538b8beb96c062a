// Container healthcheck: exit 0 when GET http://127.0.0.1:$PORT<path> answers 2xx within 4 s, else 1.
// Usage: node docker/healthcheck.mjs [/healthz|/readyz]. Node's fetch, because slim images have no curl.
const path = process.argv[2] ?? '/healthz';
const port = process.env.PORT || '3000';
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
