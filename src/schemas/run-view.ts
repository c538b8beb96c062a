// A run record as the API shows it: its links, its list item and its full resource.
import type { RunRecord } from '../model/run.ts';
import type { Run, RunListItem } from './runs.ts';

export function linksOf(id: string) {
  const self = `/v1/runs/${id}`;
  return {
    self,
    stream: `${self}/stream`,
    metrics: `${self}/metrics`,
    model: `${self}/model`,
    cancel: `${self}/cancel`,
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toListItem(r: RunRecord): RunListItem {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    attempts: r.attempts,
    progress: { step: r.lastStep, totalSteps: r.totalSteps },
    summary: (r.summary as RunListItem['summary']) ?? null,
    diagnosis: (r.diagnosis as RunListItem['diagnosis']) ?? null,
    result: (r.result as RunListItem['result']) ?? null,
    error: (r.error as RunListItem['error']) ?? null,
    links: linksOf(r.id),
  };
}

export function toRun(r: RunRecord): Run {
  return { ...toListItem(r), spec: r.spec as Run['spec'] };
}
