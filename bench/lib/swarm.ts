// The bench side of the WebSocket client process: fork it, ask it to open/pause/count/close subscribers.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Completeness, GroupStats, LatencySummary, SwarmReply, SwarmRequest } from './swarm-protocol.ts';

type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class Swarm {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, (m: SwarmReply) => void>();

  constructor() {
    this.child = fork(fileURLToPath(new URL('./swarm-child.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
      serialization: 'advanced',
    });
    this.child.on('message', (m: SwarmReply) => {
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
  }

  private ask(req: Without<SwarmRequest, 'id'>, timeoutMs = 120_000): Promise<SwarmReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`swarm: ${req.op} timed out`)), timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.child.send({ ...req, id } as SwarmRequest);
    });
  }

  /** Opens the subscribers; resolves when every one got its hello (or failed). */
  async open(clients: { url: string; run: string; group: string }[], concurrency = 50) {
    const m = await this.ask({ op: 'open', clients, concurrency });
    if (m.op !== 'opened') throw new Error('swarm: unexpected reply');
    return m;
  }

  async pause(group: string, ms: number): Promise<void> {
    await this.ask({ op: 'pause', group, ms });
  }

  async stats(): Promise<{ t: number; groups: Record<string, GroupStats> }> {
    const m = await this.ask({ op: 'stats' });
    if (m.op !== 'stats') throw new Error('swarm: unexpected reply');
    return m;
  }

  async latency(
    published: Record<string, { steps: Float64Array; times: Float64Array }>,
  ): Promise<Record<string, LatencySummary>> {
    const m = await this.ask({ op: 'latency', published });
    if (m.op !== 'latency') throw new Error('swarm: unexpected reply');
    return m.groups;
  }

  /** Per group: did each subscriber get every recorded step it asked for, once and in order. */
  async completeness(recorded: Record<string, number[]>): Promise<Record<string, Completeness>> {
    const m = await this.ask({ op: 'completeness', recorded });
    if (m.op !== 'completeness') throw new Error('swarm: unexpected reply');
    return m.groups;
  }

  async reset(): Promise<void> {
    await this.ask({ op: 'reset' });
  }

  /** Closes every subscriber (1000) and forgets them. */
  async closeAll(): Promise<void> {
    await this.ask({ op: 'close' });
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.disconnect();
    await exited;
  }
}
