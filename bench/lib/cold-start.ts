// A cold `npm run serve` on a migrated database: the time from spawning the process to its first
// /readyz 200, and the CPU seconds it had used by then (less sensitive than wall time to a loaded machine).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { migrateDatabase } from '../../src/db/client.ts';
import type { DbKind } from './args.ts';
import { sleep } from './stats.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s. */
const TICKS_PER_SECOND = 100;

export interface ColdStart {
  readyMs: number[];
  cpuSeconds: number[];
}

function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export async function coldStart(kind: DbKind, rounds: number, port = 39_517): Promise<ColdStart> {
  const { freshDatabase } = await import('../../test/helpers/databases.ts');
  const db = await freshDatabase(kind);
  const out: ColdStart = { readyMs: [], cpuSeconds: [] };
  try {
    await migrateDatabase(db);
    for (let r = 0; r < rounds; r++) {
      const { NODE_OPTIONS: _drop, DATABASE_URL: _url, ...env } = process.env;
      const t0 = performance.now();
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: ROOT,
        env: {
          ...env,
          ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
          DATA_DIR: db.dataDir,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'error',
          LOG_PRETTY: 'false',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        for (;;) {
          if (child.exitCode !== null) throw new Error(`coldStart: the service exited (${child.exitCode})`);
          if (performance.now() - t0 > 60_000) throw new Error('coldStart: not ready within 60 s');
          const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
            (res) => res.status === 200,
            () => false,
          );
          if (ok) break;
          await sleep(10);
        }
        out.readyMs.push(performance.now() - t0);
        out.cpuSeconds.push(cpuSecondsOf(child.pid as number));
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    }
  } finally {
    await db.drop();
  }
  return out;
}
