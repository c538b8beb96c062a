// Starts the service: configuration, logger, the app (migrating its database), listen, and a graceful
// SIGTERM/SIGINT shutdown.
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { loggerOptions } from './logging.ts';

async function main(): Promise<void> {
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
  const logger = loggerOptions(config);
  const app = await buildApp({ config, logger, migrate: true });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
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

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
