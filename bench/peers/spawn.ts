/**
 * Runs a peer (torch_steps.py or tfjs-cli.ts) as a child process, pinned as bench/peers/README.md
 * says, and parses its JSON lines. For the harness (bench/core.ts); each call is one child process,
 * so calls can be interleaved with our own timings round by round.
 *
 *   const out = await runPeer('torch', { workloads: ['W1'], warmup: 20, reps: 50, rounds: 1 });
 *   out.results[0].median  // ms per step
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type PeerName = 'torch' | 'tfjs-cpu' | 'tfjs-wasm';
export type PeerWorkload = 'W1' | 'W2' | 'W3';

export interface PeerRequest {
  workloads: PeerWorkload[];
  warmup: number | Partial<Record<PeerWorkload, number>>;
  reps: number | Partial<Record<PeerWorkload, number>>;
  rounds: number;
  /** torch only: 'cpu' times the process's CPU time instead of wall time (tfjs ignores it). */
  clock?: 'wall' | 'cpu';
}

export interface PeerResult {
  type: 'result';
  peer: string;
  dtype: 'float32' | 'float64';
  threads: number;
  workload: PeerWorkload;
  ms_per_step: number[];
  median: number;
  min: number;
  max: number;
  spread: number;
  warmup: number;
  reps: number;
  rounds: number;
  loss_first: number;
  loss_last: number;
}

export interface PeerOutput {
  meta: Record<string, unknown>;
  rounds: { workload: PeerWorkload; round: number; reps: number; ms_per_step: number }[];
  results: PeerResult[];
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const TORCH_PYTHON = '/usr/bin/python3';

/** Environment for the torch child: BLAS on one thread, OpenBLAS free to pick its own kernels. */
export function torchEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** The command line for one peer (also what the README lists). */
export function peerCommand(
  peer: PeerName,
  req: PeerRequest,
): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (peer === 'torch') {
    return { cmd: TORCH_PYTHON, args: [join(HERE, 'torch_steps.py'), JSON.stringify(req)], env: torchEnv() };
  }
  const backend = peer === 'tfjs-cpu' ? 'cpu' : 'wasm';
  return {
    cmd: process.execPath,
    args: ['--import', 'tsx', join(HERE, 'tfjs-cli.ts'), JSON.stringify({ backend, ...req })],
    env: process.env,
  };
}

export function runPeer(peer: PeerName, req: PeerRequest): Promise<PeerOutput> {
  const { cmd, args, env } = peerCommand(peer, req);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${peer} exited with ${code}: ${stderr.trim().slice(-2000)}`));
        return;
      }
      const out: PeerOutput = { meta: {}, rounds: [], results: [] };
      for (const line of stdout.split('\n')) {
        if (!line.trim().startsWith('{')) continue;
        const o = JSON.parse(line);
        if (o.type === 'meta') out.meta = o;
        else if (o.type === 'round') out.rounds.push(o);
        else if (o.type === 'result') out.results.push(o);
      }
      resolve(out);
    });
  });
}
