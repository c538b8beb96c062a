// The service's pino options: level, pretty or JSON, and redaction so secrets (bearer tokens, ?token=,
// raw request bytes) never reach the log.
import type { Config } from './config.ts';
import { redactUrl } from './plugins/auth.ts';

export function loggerOptions(
  config: Pick<Config, 'LOG_LEVEL' | 'LOG_PRETTY'>,
  isTTY = process.stdout.isTTY,
) {
  const pretty = config.LOG_PRETTY ?? isTTY;
  return {
    level: config.LOG_LEVEL,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'err.rawPacket'],
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      // @fastify/websocket logs the path of refused upgrades.
      path: (p: unknown) => (typeof p === 'string' ? redactUrl(p) : p),
    },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  };
}
