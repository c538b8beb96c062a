// The request-body schemas the evaluate thread can read a body against, by name (a schema cannot cross threads).
import type { z } from 'zod';
import { RunSpecSchema } from '../schemas/specs.ts';
import { SweepRequestSchema } from '../schemas/sweeps.ts';

export const BODY_SCHEMAS = { run: RunSpecSchema, sweep: SweepRequestSchema } as const;
export type BodySchemaName = keyof typeof BODY_SCHEMAS;
export type BodyOf<K extends BodySchemaName> = z.output<(typeof BODY_SCHEMAS)[K]>;
