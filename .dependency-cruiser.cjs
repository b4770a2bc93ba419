/**
 * The architecture of src/, enforced by `npm run lint` (dependency-cruiser).
 *
 * Every folder of src/ is a layer with the list of folders it may import. Anything else is an
 * error, so a new folder must be given its place here before it can import anything, and an
 * upward import or a cycle fails CI. `README.md` draws the same picture.
 *
 * TypeScript resolution is on (tsconfig.json), so the `.js` specifiers of our ESM sources resolve to
 * the `.ts` files; type-only imports count too (`tsPreCompilationDeps`). Without both, every rule
 * would pass without checking anything (test/unit/architecture.test.ts proves they bite).
 */

/** @type {Record<string, { may: string[], why: string }>} */
const LAYERS = {
  core: {
    may: [],
    why: 'the domain vocabulary (spec, statuses, points, limits, errors, random streams): every layer imports it, so it imports nothing of ours and loads no tfjs',
  },
  generated: {
    may: [],
    why: 'code generated from protos, the Prisma schema and the WebAssembly kernels; never edited by hand',
  },
  optim: {
    may: ['core', 'generated'],
    why: 'the noisy optimizer (paper §3) depends on tfjs, its wasm kernels and the core only, so it can be reused outside the service',
  },
  backend: {
    may: ['core'],
    why: 'choosing and verifying a tfjs backend is a platform concern below the trainers',
  },
  data: {
    may: ['core'],
    why: 'datasets and task generators are pure data: no model, no optimizer',
  },
  trainers: {
    may: ['core', 'optim', 'data'],
    why: 'models (paper §4) build on the optimizer and data; they know nothing of runs, storage or the wire',
  },
  checkpoint: {
    may: ['core'],
    why: 'the safetensors layout is pure (no tfjs, no optimizer), so clients and tests read checkpoints without a backend',
  },
  store: {
    may: ['core', 'generated'],
    why: 'data access to PostgreSQL speaks the domain types; it knows nothing of how runs execute',
  },
  metrics: {
    may: ['core'],
    why: 'the Prometheus registry and endpoint are injected into the layers that record metrics',
  },
  runs: {
    may: ['core', 'optim', 'data', 'trainers', 'backend', 'checkpoint', 'store', 'metrics'],
    why: 'run lifecycle (queue, workers, checkpoints, metric sink) composes trainers with storage, below the wire',
  },
  sweeps: {
    may: ['core', 'trainers', 'store', 'runs'],
    why: 'a sweep is a set of runs: it starts them through runs and reads them through store',
  },
  auth: {
    may: ['core', 'store'],
    why: 'tokens and quotas are checked against the store, below the server',
  },
  protocol: {
    may: ['core', 'generated'],
    why: 'the wire contract shared by server and clients: proto loading and field paths, in one place',
  },
  server: {
    may: ['core', 'generated', 'protocol', 'trainers', 'store', 'runs', 'sweeps', 'auth'],
    why: 'gRPC handlers decode, call a use case and encode; nothing imports the server',
  },
  client: {
    may: ['core', 'generated', 'protocol'],
    why: 'the Node client talks to the service over the wire only, never through its code',
  },
  cli: {
    may: ['core', 'generated', 'protocol', 'client'],
    why: 'the CLI is a client: it may use the client and the wire contract, never the server',
  },
};

const layerRules = Object.entries(LAYERS).map(([layer, { may, why }]) => ({
  name: `layer-${layer}`,
  comment: `src/${layer} may import only ${may.length === 0 ? 'nothing of ours' : may.join(', ')}: ${why}.`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${layer}/`, ...may.map((m) => `^src/${m}/`)],
  },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'A cycle, even between files of one folder, means two modules are one idea split in two.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-unplaced-folder',
      comment: 'Every folder of src/ must be given its place in LAYERS before it can import anything.',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${Object.keys(LAYERS).join('|')})/` },
      to: { path: '^src/' },
    },
    {
      name: 'nothing-imports-the-composition-root',
      comment:
        'src/main.ts and src/config.ts are the composition root: they import everything, nothing imports them.',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/(main|config)\\.ts$' },
    },
    {
      name: 'no-tfjs-in-backend-free-layers',
      comment:
        'The core, data, checkpoint, store, metrics and wire layers load no tfjs, not even through another module: clients, the main thread and tests read specs, data and checkpoints without a backend.',
      severity: 'error',
      from: { path: '^src/(core|data|checkpoint|store|metrics|protocol|client|cli)/' },
      to: { path: '^node_modules/@tensorflow/', reachable: true },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'An import of ours that does not resolve would pass every other rule unchecked. (Packages are left to tsc: some ship exports maps the resolver cannot read.)',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true, path: '^[.]' },
    },
  ],
  options: {
    // Generated code is a node of the graph (so the layers' `generated` permission is checked) but its
    // own imports are not followed: it is never edited by hand.
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
