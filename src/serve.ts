// Runs the service (loaded by main.ts): configuration, logger, the app (migrating its database), listen, and a
// graceful SIGTERM/SIGINT shutdown. The embedded database's process is started first, before the app's modules are
// loaded (they are most of a cold start's CPU on this thread): PGlite opens on the other core meanwhile.
import { ConfigError, loadConfig } from './config.ts';
import { startEmbeddedPostgres } from './db/pglite.ts';
import { loggerOptions } from './logging.ts';

export async function serve(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const embedded = config.DATABASE_URL ? undefined : startEmbeddedPostgres(config.DATA_DIR);
  embedded?.catch(() => {}); // reported where the app awaits it
  const { buildApp } = await import('./app.ts');
  const logger = loggerOptions(config);
  const app = await buildApp({ config, logger, migrate: true, embedded });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    app.log.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'shutting down');
    // The close fits in the grace (the drain keeps a reserve); should it hang anyway, say so and exit
    // before an orchestrator's SIGKILL does it silently.
    setTimeout(() => {
      app.log.error(
        { graceMs: config.SHUTDOWN_GRACE_MS },
        'shutdown failed: still closing 5 s after the grace',
      );
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5000).unref();
    try {
      await app.close();
      app.log.info({ ms: Date.now() - started }, 'shut down');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await app.listen({ port: config.PORT, host: config.HOST, backlog: config.LISTEN_BACKLOG });
  app.log.info(
    { database: config.DATABASE_URL ? 'postgres' : `pglite at ${config.DATA_DIR}`, workers: config.WORKERS },
    `Gradscope ready: dashboard http://localhost:${config.PORT}/ — API docs http://localhost:${config.PORT}/docs`,
  );
}
