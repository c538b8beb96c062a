// Dependency rules the test command checks (scripts/test.sh): no cycles, and layers that point one way:
// routes/plugins/app → sweeps → runs → jobs → stream → db → http → schemas → model → core (README, "Architecture").
const below = {
  sweeps: '^src/(routes|plugins)/|^src/[^/]+\\.ts$',
  runs: '^src/(sweeps|routes|plugins)/|^src/[^/]+\\.ts$',
  jobs: '^src/(sweeps|runs|routes|plugins)/|^src/[^/]+\\.ts$',
  stream: '^src/(sweeps|jobs|runs|routes|plugins)/|^src/[^/]+\\.ts$',
  db: '^src/(sweeps|stream|jobs|runs|routes|plugins)/|^src/[^/]+\\.ts$',
  http: '^src/(sweeps|db|stream|jobs|runs|routes|plugins)/|^src/[^/]+\\.ts$',
  schemas: '^src/(sweeps|http|db|stream|jobs|runs|routes|plugins)/|^src/[^/]+\\.ts$',
  model: '^src/(?!model/|core/)',
};

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    ...Object.entries(below).map(([layer, upward]) => ({
      name: `${layer}-points-down`,
      comment: `src/${layer} may import only the layers below it`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: upward },
    })),
    {
      name: 'core-is-pure',
      comment: 'src/core imports nothing outside itself (no node:, no packages)',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: '^src/core/' },
    },
    {
      name: 'core-through-index',
      comment: 'outside src/core, the core is reached through its public surface, src/core/index.ts',
      severity: 'error',
      from: { path: '^(src|web/src)/', pathNot: '^src/core/' },
      to: { path: '^src/core/', pathNot: '^src/core/index\\.ts$' },
    },
    {
      name: 'dashboard-imports-no-server',
      comment: 'web/src bundles only the API vocabulary: schemas (types), the statuses, the core surface',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^src/', pathNot: '^src/(schemas/|model/status\\.ts$|core/)' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/db/generated/' },
  },
};
