// `--follow`: reads a run's stream and shows its progress, in place on a terminal, a line per update otherwise.
import { clearLine, cursorTo } from 'node:readline';
import type { GradscopeClient, RunListItem } from '../client/client.ts';
import type { Output } from './output.ts';
import { progressLine } from './progress.ts';

export interface FollowOptions {
  totalSteps: number;
  /** Stream downsampling (a multiple of the run's telemetry.every keeps every message a recorded step). */
  every: number;
  /** Print each stream message as a JSON line instead (for --json). */
  json: boolean;
}

/** Follows the run to its end; returns the run as the end message has it. */
export async function follow(
  client: GradscopeClient,
  o: Output,
  id: string,
  options: FollowOptions,
): Promise<RunListItem> {
  let gradRmsAt = -1;
  let first: { step: number; at: number } | null = null;
  let inPlace = false;
  const clear = () => {
    if (!inPlace) return;
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
    inPlace = false;
  };
  for await (const msg of client.streamRun(id, {
    every: options.every,
    onReconnect: ({ from, reason }) => {
      clear();
      o.err(o.style('yellow', `reconnecting (${reason}); resuming at step ${from}`, 'err'));
    },
  })) {
    if (options.json) {
      o.out(JSON.stringify(msg));
      if (msg.type === 'end') return msg.run;
      continue;
    }
    switch (msg.type) {
      case 'hello':
        gradRmsAt = msg.fields.indexOf('gradRms');
        o.out(`following run ${msg.run.id} (${msg.run.status}), ${msg.layers.length} layers`);
        break;
      case 'status':
        clear();
        o.out(`status: ${msg.status}`);
        break;
      case 'notice':
        clear();
        o.out(o.style('yellow', `notice: ${msg.message}`));
        break;
      case 'step': {
        const now = Date.now();
        first ??= { step: msg.step, at: now };
        const seconds = (now - first.at) / 1000;
        const line = progressLine(
          {
            step: msg.step,
            totalSteps: options.totalSteps,
            rate: seconds > 0.2 ? (msg.step - first.step) / seconds : null,
            loss: msg.loss,
            gradRms: msg.layers.map((row) => row[gradRmsAt] ?? null),
          },
          o.isTTY ? 20 : 10,
        );
        if (o.isTTY) {
          cursorTo(process.stdout, 0);
          o.raw(line.slice(0, Math.max(20, o.columns - 1)));
          clearLine(process.stdout, 1);
          inPlace = true;
        } else o.out(line);
        break;
      }
      case 'end':
        if (inPlace) o.raw('\n');
        return msg.run;
    }
  }
  throw new Error('follow: the stream ended without an end message');
}

/** A stream `every` that gives about `updates` messages over the run and only lands on recorded steps. */
export function followEvery(totalSteps: number, telemetryEvery: number, updates: number): number {
  const k = Math.max(1, Math.round(totalSteps / telemetryEvery / updates));
  return k * telemetryEvery;
}
