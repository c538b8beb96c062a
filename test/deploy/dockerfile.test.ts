// Dockerfile, checked statically (no Docker engine here): stages, base image, user, health, entrypoint, deps.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  from: string;
  body: Instruction[];
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined, keywords upper-cased. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Splits instructions into build stages, substituting global ARG defaults into FROM lines. */
function stages(list: Instruction[]): Stage[] {
  const args: Record<string, string> = {};
  const out: Stage[] = [];
  for (const ins of list) {
    if (ins.op === 'ARG' && out.length === 0) {
      const [k, v = ''] = ins.args.split('=');
      args[k] = v;
    } else if (ins.op === 'FROM') {
      const [image, as, name] = ins.args
        .replace(/--platform=\S+\s*/, '')
        .replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? '')
        .split(/\s+/);
      out.push({ name: as?.toUpperCase() === 'AS' ? name : String(out.length), from: image, body: [] });
    } else if (out.length > 0) {
      out[out.length - 1].body.push(ins);
    }
  }
  return out;
}

const all = stages(instructions(read('Dockerfile')));
const final = all[all.length - 1];
const inFinal = (op: string) => final.body.filter((i) => i.op === op);
const npmInstalls = (s: Stage) =>
  s.body.filter((i) => i.op === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args)).map((i) => i.args);
const omitsDev = (args: string) => /--omit=dev|--omit dev|--production\b/.test(args);

describe('Dockerfile', () => {
  it('is multi-stage', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
  });

  it('builds every stage on a Node.js LTS line (even major ≥ 22), pinned by major', () => {
    for (const s of all.filter((x) => !all.some((y) => y.name === x.from))) {
      const m = /^node:(\d+)(?:[.-]|$)/.exec(s.from);
      expect(m, `stage ${s.name} FROM ${s.from}`).not.toBeNull();
      const major = Number(m?.[1]);
      expect(major % 2 === 0 && major >= 22, `Node ${major} is not an LTS line`).toBe(true);
    }
  });

  it('runs as a non-root user in production mode', () => {
    const user = inFinal('USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(
      inFinal('ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/NODE_ENV=production/);
  });

  it('has a HEALTHCHECK on /healthz that needs no curl', () => {
    const hc = inFinal('HEALTHCHECK').at(-1)?.args ?? '';
    expect(hc).toMatch(/CMD/);
    const script = /docker\/[\w.-]+\.m?js/.exec(hc)?.[0];
    const probe = `${hc} ${script ? read(script) : ''}`;
    expect(probe).toContain('/healthz');
    expect(hc).not.toMatch(/\b(curl|wget)\b/);
  });

  it('starts through docker/entrypoint.sh (exec form), on SIGTERM, exposing 3000', () => {
    const ep = inFinal('ENTRYPOINT').at(-1)?.args ?? '';
    const argv = JSON.parse(ep) as string[];
    expect(argv.at(-1)).toMatch(/(^|\/)docker\/entrypoint\.sh$/);
    expect(existsSync(`${root}docker/entrypoint.sh`)).toBe(true);
    expect(read('docker/entrypoint.sh')).toMatch(/^exec node --import tsx src\/main\.ts$/m);
    expect(inFinal('STOPSIGNAL').at(-1)?.args).toBe('SIGTERM');
    expect(inFinal('EXPOSE').map((i) => i.args)).toContain('3000');
  });

  it('ships production dependencies only', () => {
    // The final stage installs nothing itself, or only with --omit=dev…
    for (const cmd of npmInstalls(final)) expect(omitsDev(cmd), cmd).toBe(true);
    // …and node_modules copied from another stage come from an --omit=dev install or prune there.
    const copies = inFinal('COPY').filter((i) => /node_modules/.test(i.args));
    for (const copy of copies) {
      const from = /--from=(\S+)/.exec(copy.args)?.[1];
      const stage = all.find((s) => s.name === from);
      expect(stage, copy.args).toBeDefined();
      const pruned = stage?.body.some(
        (i) => i.op === 'RUN' && /npm prune\b/.test(i.args) && omitsDev(i.args),
      );
      const installs = npmInstalls(stage as Stage);
      expect(pruned || (installs.length > 0 && installs.every(omitsDev)), `stage ${from}`).toBe(true);
    }
    expect(copies.length + npmInstalls(final).length).toBeGreaterThan(0);
  });

  it('runs only npm scripts that package.json defines', () => {
    const scripts = Object.keys(JSON.parse(read('package.json')).scripts ?? {});
    const used = all.flatMap((s) =>
      s.body
        .filter((i) => i.op === 'RUN')
        .flatMap((i) => [...i.args.matchAll(/npm run (\S+)/g)].map((m) => m[1])),
    );
    for (const name of used) expect(scripts, `npm run ${name}`).toContain(name);
  });

  it('keeps local installs, databases and secrets out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['node_modules', '.git', 'data', '.env']) expect(ignored).toContain(p);
    for (const p of ['src', 'prisma', 'docker', 'package.json', 'package-lock.json'])
      expect(ignored).not.toContain(p);
  });
});
