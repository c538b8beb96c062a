// The service as a child process (docker/entrypoint.sh, as the image runs it), for tests of signals and exits.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from '../../src/config.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type Exit = [number | null, NodeJS.Signals | null];

export interface ServiceProcess {
  child: ReturnType<typeof spawn>;
  exited: Promise<Exit>;
  /** The last 20,000 characters of stdout and stderr. */
  output(): string;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The entrypoint as a child process: the environment holds only what we set (plus PATH/HOME/…), no loader. */
export function startEntrypoint(vars: Record<string, string>): ServiceProcess {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of [...Object.keys(ConfigSchema.shape), 'NODE_OPTIONS', 'DB_WAIT_SECONDS'])
    delete env[name];
  const child = spawn('sh', ['docker/entrypoint.sh'], {
    cwd: root,
    env: { ...env, LOG_PRETTY: 'false', ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit') as Promise<Exit>;
  return { child, exited, output: () => output };
}

/** Resolves with the exit [code, signal], or null when the process is still running after `ms`. */
export async function exitWithin(exited: Promise<Exit>, ms: number): Promise<Exit | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls GET /readyz until 200; throws with the process output if it exits first or after `ms`. */
export async function waitReady(svc: ServiceProcess, base: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (svc.child.exitCode !== null || svc.child.signalCode !== null) {
      throw new Error(
        `the service exited (${svc.child.exitCode ?? svc.child.signalCode}) before ready:\n${svc.output()}`,
      );
    }
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`not ready after ${ms / 1000} s (last: ${last}):\n${svc.output()}`);
}
