/**
 * The layering the architecture describes, checked on every CI run (`npm run depcheck`):
 *
 * - pure code (src/domain, src/routing, src/shared, src/auth/principal.ts, the delivery record
 *   model src/delivery/records.ts that projections fold and its ordering rules ordering.ts,
 *   projections/) does no I/O: it imports
 *   neither adapters, the HTTP layer, the application layer, nor any module or package that
 *   reaches a disk, a socket, a process or a server;
 * - ports are interfaces: they import only other ports and pure types;
 * - adapters translate ports to vendors and never reach up into HTTP, the CLI or the
 *   composition root;
 * - no cycles.
 */
const pure =
  '^(src/(domain|routing|shared)/|src/auth/principal\\.ts$|src/delivery/(records|ordering)\\.ts$|projections/)';
const io = [
  '^src/(adapters|http|registries|consumers|commands|cli|delivery|projection|graphql|sandbox)/',
  '^src/(app|main|stores)\\.ts$',
];
const ioModules =
  '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads|cluster|readline|process)$';
const ioPackages =
  '^(better-sqlite3|@eventstore/db-client|mongodb|fastify|@fastify/|undici|graphql-yoga|pino|commander)';

module.exports = {
  forbidden: [
    {
      name: 'pure-imports-io-layer',
      comment: 'Pure code must not import adapters, HTTP, the CLI or the application layer.',
      severity: 'error',
      from: { path: pure },
      to: { path: io, pathNot: pure },
    },
    {
      name: 'pure-imports-io-module',
      comment: 'Pure code must not do I/O: no fs, net, child processes, servers or drivers.',
      severity: 'error',
      from: { path: pure },
      to: {
        path: [ioModules, ioPackages],
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-no-pkg', 'npm-unknown'],
      },
    },
    {
      name: 'pure-imports-io-package',
      comment: 'Pure code must not import packages that do I/O.',
      severity: 'error',
      from: { path: pure },
      to: { path: `node_modules/${ioPackages.slice(1)}` },
    },
    {
      name: 'port-imports-implementation',
      comment: 'Ports are interfaces: only other ports and pure types.',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { pathNot: ['^src/ports/', pure] },
    },
    {
      name: 'adapter-imports-upper-layer',
      comment:
        'Adapters implement ports; they never reach into HTTP, the CLI or the composition root.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: ['^src/(http|cli|registries|commands)/', '^src/(app|main|stores)\\.ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    exclude: { path: '\\.test\\.ts$' },
  },
};
