// The image ships production dependencies only: everything the service loads at run time must be one.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

/** Files the runtime stage copies and runs: the service sources and the docker scripts. */
function runtimeFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : /\.(m?[jt]s)$/.test(e.name) ? [join(dir, e.name)] : [],
    );
  return [...walk(join(root, 'src')), ...walk(join(root, 'docker'))];
}

/** Packages a file loads at run time: static and dynamic imports and re-exports; `import type` is erased. */
function runtimePackages(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:'))
    .filter((s) => !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
}

describe('runtime dependencies', () => {
  it('everything src/ and docker/ import is a production dependency', () => {
    const prod = new Set(Object.keys(pkg.dependencies ?? {}));
    const missing: string[] = [];
    for (const file of runtimeFiles()) {
      for (const name of runtimePackages(readFileSync(file, 'utf8'))) {
        if (!prod.has(name)) missing.push(`${relative(root, file)} imports ${name}`);
      }
    }
    expect(missing, 'move these to "dependencies" (the image omits devDependencies)').toEqual([]);
  });

  it('the start command needs only production dependencies (tsx, the Prisma client)', () => {
    expect(pkg.dependencies).toHaveProperty('tsx');
    expect(pkg.dependencies).toHaveProperty('@prisma/client');
  });

  // Migrations run in process (src/db/migrate.ts): the CLI (and, through it, its engines and effect,
  // ~90 MB) is needed only to generate the client and to write migrations.
  it('the Prisma CLI is a dev dependency, kept out of the image', () => {
    expect(pkg.dependencies).not.toHaveProperty('prisma');
    expect(pkg.devDependencies).toHaveProperty('prisma');
  });
});
