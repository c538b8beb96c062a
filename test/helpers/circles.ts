// The course's initialization data set (datasets/circles.json, see datasets/README.md) as an inline DataSpec.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DataSpec } from '../../src/core/spec.ts';

const file = fileURLToPath(new URL('../../datasets/circles.json', import.meta.url));

export function circlesData(): Extract<DataSpec, { source: 'inline' }> {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    train: { X: number[][]; Y: number[] };
    test: { X: number[][]; Y: number[] };
  };
  return {
    source: 'inline',
    features: raw.train.X,
    labels: raw.train.Y,
    test: { features: raw.test.X, labels: raw.test.Y },
  };
}
