// The fuzzed service, in its own process: a crash or a wedged event loop then shows as what it is, observed from the
// test process (whose timers keep running), instead of freezing the test along with the server.
// Input (env): FUZZ_CONFIG_ENV, the JSON environment for loadConfig; FUZZ_LOG, 'warn' or 'production:<level>';
// FUZZ_DATA_DIR, a folder that does not exist yet (the parent removes it, even after a SIGKILL).
// Output: pino JSON lines on stdout; { port } over IPC once listening; exits 0 after a 'close' message.
import { buildApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { productionLoggerOptions } from './logger.ts';
import { copyMigratedTemplate } from './template.ts';

const env = JSON.parse(process.env.FUZZ_CONFIG_ENV ?? '{}') as Record<string, string>;
const log = process.env.FUZZ_LOG ?? 'warn';
const config = loadConfig({ ...env, DATA_DIR: process.env.FUZZ_DATA_DIR, PORT: '0', HOST: '127.0.0.1' });
await copyMigratedTemplate(config.DATA_DIR);
const logger = log.startsWith('production:')
  ? productionLoggerOptions(log.slice('production:'.length))
  : { level: log };
const app = await buildApp({ config, logger: { ...logger, stream: process.stdout } });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('server.child: no TCP address');
process.send?.({ port: address.port, workers: config.WORKERS });
process.on('message', async (m) => {
  if (m !== 'close') return;
  await app.close();
  process.exit(0);
});
// The parent going away (a killed test run) must not leave the service behind.
process.on('disconnect', () => process.exit(0));
