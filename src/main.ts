// Entry point: turns on V8's compile cache, then loads and runs the service (serve.ts). Compiling the
// dependencies' JavaScript (Prisma's client, fastify, zod, PGlite) was the largest part of a cold start's CPU;
// cached (in NODE_COMPILE_CACHE, by default the OS temp folder), a restart reads it back instead.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { serve } = await import('./serve.ts');
serve().catch((err) => {
  console.error(err);
  process.exit(1);
});
