// The OpenAPI transform: fastify-type-provider-zod's, plus the response headers (zod objects) that it drops.
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];
type Responses = Record<string, { headers?: unknown } | undefined>;

/**
 * jsonSchemaTransform rebuilds a content-typed response as {description, content} only; a route's
 * `response[code].headers` (a z.object of header name → schema with a description) is put back here, as
 * the JSON schemas @fastify/swagger turns into the OpenAPI response's `headers`.
 */
export function openApiTransform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const out = jsonSchemaTransform(input);
  const given = (input.schema as { response?: Responses } | undefined)?.response ?? {};
  const built = (out.schema as { response?: Record<string, Record<string, unknown>> } | undefined)?.response;
  for (const [code, response] of Object.entries(given)) {
    const headers = response?.headers;
    if (!(headers instanceof z.ZodObject) || !built?.[code]) continue;
    built[code].headers = Object.fromEntries(
      Object.entries(headers.shape).map(([name, schema]) => [
        name,
        z.toJSONSchema(schema as z.ZodType, { target: 'openapi-3.0', io: 'output' }),
      ]),
    );
  }
  return out;
}
