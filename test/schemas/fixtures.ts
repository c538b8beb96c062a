// Sample response objects shared by the schema tests.

export const RUN_ID = '0b5c3e0e-3c59-4a8f-9a43-6f1f8d6c2a11';

/** A finished training run as the service would list it. */
export function sampleRun() {
  const id = RUN_ID;
  return {
    id,
    kind: 'train' as const,
    name: 'he',
    status: 'succeeded' as const,
    createdAt: '2026-11-02T10:00:00.000Z',
    startedAt: '2026-11-02T10:00:01.000Z',
    finishedAt: '2026-11-02T10:00:09.500Z',
    attempts: 1,
    progress: { step: 14999, totalSteps: 15000 },
    sweepId: null,
    sweepIndex: null,
    summary: {
      stepsCompleted: 15000,
      totalSteps: 15000,
      final: { loss: 0.07, trainAccuracy: 0.99, testAccuracy: 0.96, testLoss: null },
      divergence: null,
      lsuv: null,
    },
    diagnosis: { verdict: 'healthy' as const, message: 'ok', atInit: null, atEnd: null },
    result: null,
    error: null,
    links: {
      self: `/v1/runs/${id}`,
      stream: `/v1/runs/${id}/stream`,
      metrics: `/v1/runs/${id}/metrics`,
      model: `/v1/runs/${id}/model`,
      cancel: `/v1/runs/${id}/cancel`,
    },
  };
}
