// The Postgres Notifier: LISTEN/NOTIFY on one dedicated connection, reconnecting with backoff when the
// database restarts. Messages are a few dozen bytes (ids and step numbers), far below NOTIFY's 8,000.
import pg from 'pg';
import type { RunStore } from '../model/store.ts';
import type { RunListItem } from '../schemas/runs.ts';
import type { LifecycleEvent, StreamHub } from './hub.ts';
import { type Notifier, type NotifyMessage, RemoteRelay } from './notifier.ts';

const CHANNEL = 'gradscope_events';

export class PgNotifier implements Notifier {
  private client: pg.Client | null = null;
  private relay: RemoteRelay | null = null;
  private closed = false;
  private connecting: Promise<void> | null = null;
  private retryMs = 250;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly instanceId: string,
    private readonly log: { warn(o: object, m: string): void; error(o: object, m: string): void },
  ) {}

  attach(hub: StreamHub, store: RunStore): void {
    this.relay = new RemoteRelay(hub, store, (err) =>
      this.log.error({ err }, 'relaying a remote message failed'),
    );
    this.connecting = this.connect();
  }

  progress(runId: string, fromStep: number, toStep: number): void {
    this.send({ t: 'p', i: this.instanceId, run: runId, from: fromStep, to: toStep });
  }

  lifecycle(event: LifecycleEvent, run: RunListItem): void {
    this.send({ t: 'l', i: this.instanceId, run: run.id, e: event });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => {});
    await this.client?.end().catch(() => {});
  }

  private send(m: NotifyMessage): void {
    const client = this.client;
    if (!client) return; // reconnecting: subscribers elsewhere catch up from the database on the next message
    // One query at a time on the client (pg deprecates overlapping queries on one connection).
    this.sending = this.sending
      .then(() => client.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(m)]))
      .then(
        () => {},
        (err) => this.log.warn({ err }, 'NOTIFY failed'),
      );
  }

  private async connect(): Promise<void> {
    while (!this.closed) {
      const client = new pg.Client({ connectionString: this.url });
      try {
        client.on('error', (err) => {
          this.log.warn({ err }, 'notification connection lost; reconnecting');
          if (this.client === client) this.client = null;
          void client.end().catch(() => {});
          if (!this.closed) this.connecting = this.connect();
        });
        client.on('notification', (n) => {
          if (!n.payload) return;
          const m = JSON.parse(n.payload) as NotifyMessage;
          if (m.i !== this.instanceId) this.relay?.handle(m);
        });
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
        this.client = client;
        this.retryMs = 250;
        return;
      } catch (err) {
        await client.end().catch(() => {});
        this.log.warn({ err, retryMs: this.retryMs }, 'cannot LISTEN yet; retrying');
        await new Promise((r) => setTimeout(r, this.retryMs));
        this.retryMs = Math.min(this.retryMs * 2, 5000);
      }
    }
  }
}
