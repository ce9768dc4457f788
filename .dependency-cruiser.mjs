// The layer rules of docs/ARCHITECTURE.md, checked by dependency-cruiser in `npm test` (static step
// "architecture"). Each rule's comment is printed when it breaks: it says which rule and why it exists.
/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle makes load order matter and hides which module owns what: move the shared part into the lower module.',
      from: { path: '^(backend|renderer/src|electron)/' },
      to: { circular: true },
    },
    {
      name: 'api-only-from-the-edge',
      severity: 'error',
      comment: 'backend/api is the outermost layer (HTTP, IPC, service handlers): runs/, jobs/, workers/ and everything below them must not import it — they throw domain errors that only the API maps to HTTP codes.',
      from: { path: '^backend/(runs|jobs|workers|rl|eval|model|db|data|math|domain|export|pretrain|platform)/' },
      to: { path: '^backend/api/' },
    },
    {
      name: 'model-imports-nothing-above-it',
      severity: 'error',
      comment: 'backend/model is the bottom compute layer (transformer, kernels, formats, tokenizers, runtime): it may import only itself and node/npm modules, so it can be tested and reused without the app.',
      from: { path: '^backend/model/' },
      to: { path: '^backend/', pathNot: '^backend/model/' },
    },
    {
      name: 'tfjs-only-in-compute-layers',
      severity: 'error',
      comment: 'Only backend/model, backend/rl and backend/pretrain touch tensors (they own shapes and disposal); everything else goes through them, so the API, the database and the renderer start without loading tfjs.',
      from: { path: '^(backend|renderer|electron)/', pathNot: '^backend/(model|rl|pretrain)/' },
      to: { path: '^node_modules/@tensorflow/' },
    },
    {
      name: 'renderer-imports-only-the-contract',
      severity: 'error',
      comment: 'The renderer runs in the browser: from backend/ it may import only the API contract and the shared vocabulary (types and plain constants), never code that reaches Node, SQLite or tfjs.',
      from: { path: '^renderer/src/' },
      to: { path: '^backend/', pathNot: '^backend/(api/contract|domain/vocabulary)\\.ts$' },
    },
    {
      name: 'rl-and-eval-are-pure',
      severity: 'error',
      comment: 'rl/ and eval/ are the method (rollouts, losses, k-attempt evaluation): no database, no run manager, no workers, no jobs. Composition (load, run, store) lives in backend/jobs.',
      from: { path: '^backend/(rl|eval)/' },
      to: { path: '^backend/(db|runs|workers|jobs|commands|export)/' },
    },
    {
      name: 'lower-layers-do-not-reach-up',
      severity: 'error',
      comment: 'The method and storage layers (model, pretrain, rl, eval, db, data, math, domain, export) never import the application layers (jobs, runs, workers, commands, api): orchestration calls down, never the other way.',
      from: { path: '^backend/(model|pretrain|rl|eval|db|data|math|domain|export|platform)/' },
      to: { path: '^backend/(jobs|runs|workers|commands|api)/' },
    },
    {
      name: 'domain-is-the-vocabulary',
      severity: 'error',
      comment: 'backend/domain is the shared vocabulary (statuses, verdicts, records, errors, events) and its pure rules: it may import only itself and backend/math (answer normalisation), so the renderer and every layer can use it.',
      from: { path: '^backend/domain/' },
      to: { path: '^backend/', pathNot: '^backend/(domain|math)/' },
    },
    {
      name: 'db-stores-only',
      severity: 'error',
      comment: 'backend/db is SQLite storage: it may import only itself, the vocabulary, the grader\'s normalisation and platform/ (where native files live in a packaged app) — never the method or the application.',
      from: { path: '^backend/db/' },
      to: { path: '^backend/', pathNot: '^backend/(db|domain|math|platform)/' },
    },
    {
      name: 'only-commands-from-the-cli',
      severity: 'error',
      comment: 'backend/commands are the CLI entry points (flags → spec → executor): nothing below imports them.',
      from: { path: '^backend/', pathNot: '^backend/(commands/|cli\\.ts$)' },
      to: { path: '^backend/commands/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.json'] },
    exclude: { path: '^(renderer/dist|native/build)/' },
  },
};
