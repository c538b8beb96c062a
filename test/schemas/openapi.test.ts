// The schemas produce JSON Schema and a complete OpenAPI document through fastify-type-provider-zod and @fastify/swagger.
import fastifySwagger from '@fastify/swagger';
import fastify from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EvaluateRequestSchema, EvaluateResponseSchema } from '../../src/schemas/evaluate.ts';
import { ProblemSchema } from '../../src/schemas/problem.ts';
import {
  CreateRunResponseSchema,
  ListRunsQuerySchema,
  MetricsQuerySchema,
  MetricsSchema,
  RunIdParamsSchema,
  RunListSchema,
  RunSchema,
} from '../../src/schemas/runs.ts';
import { RUN_SPEC_EXAMPLES, RunSpecSchema } from '../../src/schemas/specs.ts';
import { FirehoseMessageSchema, RunStreamMessageSchema } from '../../src/schemas/stream.ts';

describe('JSON Schema', () => {
  it('z.toJSONSchema handles the run spec and every message schema, for both OpenAPI targets', () => {
    for (const target of ['openapi-3.0', 'draft-2020-12'] as const) {
      for (const schema of [
        RunSpecSchema,
        RunSchema,
        MetricsSchema,
        RunStreamMessageSchema,
        FirehoseMessageSchema,
      ]) {
        expect(() => z.toJSONSchema(schema, { target })).not.toThrow();
      }
      expect(() => z.toJSONSchema(MetricsQuerySchema, { target, io: 'input' })).not.toThrow();
    }
    const json = z.toJSONSchema(RunSpecSchema, { target: 'draft-2020-12' });
    const defs = json.$defs as Record<string, { examples?: unknown }>;
    expect(json.$ref).toBe('#/$defs/RunSpec');
    expect(defs.RunSpec.examples).toEqual(RUN_SPEC_EXAMPLES);
    expect(Object.keys(defs)).toEqual(expect.arrayContaining(['NetworkSpec', 'InitScheme', 'DataSpec']));
    expect(JSON.stringify(json)).toContain('PyTorch nn.Linear');
  });
});

interface JsonNode {
  description?: string;
  $ref?: string;
  const?: unknown;
  properties?: Record<string, JsonNode>;
  items?: JsonNode;
  anyOf?: JsonNode[];
  oneOf?: JsonNode[];
  allOf?: JsonNode[];
}

/** Property paths without a description (discriminator constants and $refs to described components excepted). */
function undocumented(node: JsonNode, at: string): string[] {
  const found: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (!child.description && !child.$ref && child.const === undefined) found.push(`${at}.${key}`);
    found.push(...undocumented(child, `${at}.${key}`));
  }
  if (node.items) found.push(...undocumented(node.items, `${at}[]`));
  for (const list of [node.anyOf, node.oneOf, node.allOf]) {
    for (const [i, child] of (list ?? []).entries()) found.push(...undocumented(child, `${at}|${i}`));
  }
  return found;
}

describe('documentation', () => {
  it('every field of every named schema has a description', () => {
    const json = z.toJSONSchema(z.globalRegistry, { target: 'draft-2020-12', uri: (id) => `#/${id}` });
    const schemas = json.schemas as Record<string, JsonNode>;
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(['RunSpec', 'Run', 'Problem', 'RunStreamMessage']),
    );
    for (const schema of Object.values(schemas)) expect(schema.description).toBeTruthy();
    expect(Object.entries(schemas).flatMap(([id, schema]) => undocumented(schema, id))).toEqual([]);
  });
});

async function buildApp() {
  const app = fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: { openapi: '3.1.0', info: { title: 'Gradscope', version: '0.0.0' } },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/v1/runs', { schema: { body: RunSpecSchema, response: { 202: CreateRunResponseSchema } } }, () => {
    throw new Error('not called');
  });
  r.get(
    '/v1/runs',
    { schema: { querystring: ListRunsQuerySchema, response: { 200: RunListSchema, 400: ProblemSchema } } },
    () => {
      throw new Error('not called');
    },
  );
  r.get('/v1/runs/:id', { schema: { params: RunIdParamsSchema, response: { 200: RunSchema } } }, () => {
    throw new Error('not called');
  });
  r.get(
    '/v1/runs/:id/metrics',
    {
      schema: {
        params: RunIdParamsSchema,
        querystring: MetricsQuerySchema,
        response: { 200: MetricsSchema },
      },
    },
    async (req) => ({
      runId: req.params.id,
      fields: req.query.fields ?? [],
      layers: req.query.layers ?? [],
      steps: [],
      loss: [],
      gradNorm: [],
      trainAccuracy: [],
      testAccuracy: [],
      values: [],
      recordedSteps: req.query.maxPoints ?? 0,
      returnedSteps: 0,
      downsampled: false,
      totalPoints: req.query.maxPoints ?? 0,
    }),
  );
  r.post(
    '/v1/evaluate',
    { schema: { body: EvaluateRequestSchema, response: { 200: EvaluateResponseSchema } } },
    () => {
      throw new Error('not called');
    },
  );
  await app.ready();
  return app;
}

describe('OpenAPI document', () => {
  it('builds, with named components and the query parameters listed', async () => {
    const app = await buildApp();
    const doc = app.swagger() as any;
    const schemas = doc.components.schemas;
    for (const name of [
      'RunSpecInput',
      'NetworkSpecInput',
      'InitSchemeInput',
      'Run',
      'RunList',
      'Metrics',
      'Problem',
    ]) {
      expect(schemas, name).toHaveProperty(name);
    }
    const body = doc.paths['/v1/runs'].post.requestBody.content['application/json'].schema;
    expect(body.$ref).toBe('#/components/schemas/RunSpecInput');
    const params = doc.paths['/v1/runs/{id}/metrics'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['id', 'from', 'to', 'layers', 'fields', 'maxPoints']));
    expect(JSON.stringify(doc)).not.toContain('__SCHEMA__');
    await app.close();
  });

  it('the routes validate and serialize with the schemas', async () => {
    const app = await buildApp();
    const id = '0b5c3e0e-3c59-4a8f-9a43-6f1f8d6c2a11';
    const ok = await app.inject({
      url: `/v1/runs/${id}/metrics?layers=0,2&fields=gradNorm,deadFrac&maxPoints=50`,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ layers: [0, 2], fields: ['gradNorm', 'deadFrac'], totalPoints: 50 });
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/runs',
      payload: { ...RUN_SPEC_EXAMPLES[0], extra: 1 },
    });
    expect(bad.statusCode).toBe(400);
    await app.close();
  });
});
