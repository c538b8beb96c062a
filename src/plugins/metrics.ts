// Prometheus metrics at /metrics (prom-client, a registry per app): queue depth, running jobs, job
// durations and outcomes, WebSocket clients, telemetry rows written, and Node's own (event-loop lag…).
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  jobEnded(kind: string, status: string, seconds: number): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

export const metricsPlugin = fp(
  async (app) => {
    const registry = new Registry();
    // prom-client's default names already start with process_/nodejs_: the prefix is the service name alone.
    collectDefaultMetrics({ register: registry, prefix: 'gradscope_' });
    const duration = new Histogram({
      name: 'gradscope_job_duration_seconds',
      help: 'Wall time of finished jobs on this instance',
      labelNames: ['kind', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers: [registry],
    });
    const outcomes = new Counter({
      name: 'gradscope_job_outcomes_total',
      help: 'Finished jobs on this instance by final status',
      labelNames: ['kind', 'status'],
      registers: [registry],
    });
    new Gauge({
      name: 'gradscope_queue_depth',
      help: 'Single runs queued in the shared database (what QUEUE_MAX_DEPTH bounds; sweep points not counted)',
      registers: [registry],
      async collect() {
        this.set(await app.store.queueDepth());
      },
    });
    new Gauge({
      name: 'gradscope_running_jobs',
      help: 'Jobs running on this instance',
      registers: [registry],
      collect() {
        this.set(app.dispatcher.runningCount);
      },
    });
    new Gauge({
      name: 'gradscope_worker_threads',
      help: 'Worker threads in this instance’s pool',
      registers: [registry],
      collect() {
        this.set(app.pool.size);
      },
    });
    new Gauge({
      name: 'gradscope_websocket_clients',
      help: 'Open WebSocket subscriptions (run streams and firehose) on this instance',
      registers: [registry],
      collect() {
        this.set(app.hub.subscriberCount);
      },
    });
    new Gauge({
      name: 'gradscope_telemetry_rows_written',
      help: 'Per-step statistics rows persisted by this instance since start',
      registers: [registry],
      collect() {
        this.set(app.sink.rowsWritten);
      },
    });
    new Gauge({
      name: 'gradscope_telemetry_layer_steps_written',
      help: 'Layer-steps (rows × layers) persisted by this instance since start',
      registers: [registry],
      collect() {
        this.set(app.sink.layerStepsWritten);
      },
    });
    new Gauge({
      name: 'gradscope_telemetry_pending_rows',
      help: 'Rows waiting to be written',
      registers: [registry],
      collect() {
        this.set(app.sink.pendingRows);
      },
    });
    app.decorate('metrics', {
      registry,
      jobEnded(kind: string, status: string, seconds: number) {
        duration.observe({ kind, status }, seconds);
        outcomes.inc({ kind, status });
      },
    });
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);
