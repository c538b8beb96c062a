// The response serializer of routes that return doubles a client sent (specs, weights): keeps −0 as `-0`.
import type { FastifySerializerCompiler } from 'fastify';
import { createSerializerCompiler } from 'fastify-type-provider-zod';
import { keepNegativeZero } from '../schemas/common.ts';

const zodExact = createSerializerCompiler({ replacer: keepNegativeZero });

/**
 * As the app's serializer (zod-checked JSON.stringify), plus −0. Per route rather than app-wide: the replacer
 * costs 1.3–1.5× in JSON.stringify, and large computed responses (metrics) carry no client-sent −0. Typed for
 * any route schema (the routes' schemas are zod, as the app's serializer expects).
 */
export const exactSerializerCompiler: FastifySerializerCompiler<unknown> = (route) =>
  zodExact(route as Parameters<typeof zodExact>[0]);
