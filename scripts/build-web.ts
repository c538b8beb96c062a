// Builds the dashboard into web/dist: web/src/main.ts and web/src/styles.css (with uPlot's CSS) bundled and
// minified by esbuild under content-hashed names, then web/public copied with index.html pointing at them.
// Usage: node --import tsx scripts/build-web.ts [--watch]
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build, context, type Metafile } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEB = join(ROOT, 'web');
export const WEB_DIST = join(WEB, 'dist');

export interface WebBuild {
  outDir: string;
  /** Emitted file names, relative to outDir (index.html included). */
  files: string[];
}

function options(outDir: string): BuildOptions {
  return {
    absWorkingDir: ROOT,
    entryPoints: { app: join(WEB, 'src/main.ts'), style: join(WEB, 'src/styles.css') },
    outdir: outDir,
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16.4'],
    minify: true,
    sourcemap: true,
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  };
}

/** The hashed output of one entry point (app → app-XXXX.js). */
function outputOf(meta: Metafile, outDir: string, entry: string, ext: string): string {
  const out = Object.entries(meta.outputs).find(
    ([file, o]) => o.entryPoint !== undefined && file.endsWith(ext) && o.entryPoint.endsWith(entry),
  );
  if (!out) throw new Error(`build-web: no ${ext} output for ${entry}`);
  return relative(outDir, resolve(ROOT, out[0]));
}

async function writeStatic(meta: Metafile, outDir: string): Promise<string[]> {
  const js = outputOf(meta, outDir, 'web/src/main.ts', '.js');
  const css = outputOf(meta, outDir, 'web/src/styles.css', '.css');
  await cp(join(WEB, 'public'), outDir, { recursive: true, filter: (src) => basename(src) !== 'index.html' });
  const template = await readFile(join(WEB, 'public/index.html'), 'utf8');
  if (!template.includes('%APP_JS%') || !template.includes('%APP_CSS%')) {
    throw new Error('build-web: web/public/index.html must reference %APP_JS% and %APP_CSS%');
  }
  await writeFile(join(outDir, 'index.html'), template.replace('%APP_JS%', js).replace('%APP_CSS%', css));
  const emitted = Object.keys(meta.outputs).map((f) => relative(outDir, resolve(ROOT, f)));
  return [...emitted, 'index.html'];
}

/**
 * One production build into `outDir` (default web/dist), replacing what was there. It is built beside it and
 * swapped in by renames, so a server reading the folder meanwhile sees the old build or the new one.
 */
export async function buildWeb(outDir: string = WEB_DIST): Promise<WebBuild> {
  const next = `${outDir}.next-${process.pid}`;
  const old = `${outDir}.old-${process.pid}`;
  await rm(next, { recursive: true, force: true });
  await mkdir(next, { recursive: true });
  try {
    const result = await build(options(next));
    const files = await writeStatic(result.metafile!, next);
    await rm(old, { recursive: true, force: true });
    await rename(outDir, old).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(next, outDir);
    await rm(old, { recursive: true, force: true });
    return { outDir, files };
  } finally {
    await rm(next, { recursive: true, force: true });
  }
}

/** Rebuilds on every change of web/src (for development next to `npm start`). */
async function watchWeb(outDir: string = WEB_DIST): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const ctx = await context({
    ...options(outDir),
    plugins: [
      {
        name: 'write-static',
        setup(b) {
          b.onEnd(async (result) => {
            if (result.errors.length > 0 || !result.metafile) return;
            await writeStatic(result.metafile, outDir);
            console.log(`web/dist rebuilt at ${new Date().toLocaleTimeString()}`);
          });
        },
      },
    ],
  });
  await ctx.watch();
  console.log('watching web/src for changes (Ctrl-C to stop)');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const watch = process.argv.includes('--watch');
  const run = watch ? watchWeb() : buildWeb();
  run.then(
    (out) => {
      if (out) console.log(`built ${relative(ROOT, out.outDir)}: ${out.files.sort().join(', ')}`);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
