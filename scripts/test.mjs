#!/usr/bin/env node
// `npm test`: type-check, lint, the architecture and unused-export checks, then every tests/**/*.test.ts with node's test runner (tsx loader).
// Ends with the line "N passed, N failed[, N skipped]". Pass paths to run a subset: npm test -- tests/backend/math
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const skipStatic = args.includes('--no-static') || args.some((a) => !a.startsWith('--'));
const only = args.filter((a) => !a.startsWith('--'));

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'screenshots') continue;
      out.push(...findTests(p));
    } else if (entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

function step(name, cmd, cmdArgs) {
  process.stdout.write(`\n▶ ${name}: ${cmd} ${cmdArgs.join(' ')}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status === 0) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

if (!skipStatic) {
  step('typecheck', process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']);
  // The renderer: its .ts and .svelte files against renderer/tsconfig.json (DOM types, runes).
  step('typecheck renderer', process.execPath, [path.join(root, 'node_modules/svelte-check/bin/svelte-check'), '--tsconfig', 'renderer/tsconfig.json', '--threshold', 'error', '--output', 'human']);
  step('lint', process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), '.']);
  // The layer rules of docs/ARCHITECTURE.md (.dependency-cruiser.mjs): a break names the rule and why it exists.
  step('architecture', process.execPath, [path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', '.dependency-cruiser.mjs', '--output-type', 'err-long', 'backend', 'renderer/src', 'electron', 'bin']);
  // Exports and files nothing uses (knip.json): dead code is deleted, not kept "for later".
  step('unused exports', process.execPath, [path.join(root, 'node_modules/knip/bin/knip.js'), '--no-progress']);
}

// The browser tests load renderer/dist, and tests/scripts/build-renderer.test.ts checks its stamp: build it
// first when it is missing or stale.
const needsUi = (p) => {
  const abs = path.resolve(root, p);
  return abs.startsWith(path.join(root, 'tests', 'e2e')) || path.join(root, 'tests', 'scripts', 'build-renderer.test.ts').startsWith(abs);
};
if (only.length === 0 || only.some(needsUi)) {
  step('build renderer', process.execPath, [path.join(root, 'scripts/build-renderer.mjs'), '--if-stale']);
}

const targets = only.length > 0 ? only.map((p) => path.resolve(root, p)) : [path.join(root, 'tests')];
const files = targets.flatMap((t) => (statSync(t).isDirectory() ? findTests(t) : [t])).sort();
const countDir = mkdtempSync(path.join(tmpdir(), 'as-test-'));
const countFile = path.join(countDir, 'counts.json');
process.stdout.write(`\n▶ tests: ${files.length} files\n`);
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=900000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(root, 'scripts/count-reporter.mjs')}`,
    `--test-reporter-destination=${countFile}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, ATTEMPT_STUDIO_TEST: '1', ...(args.includes('--no-native') ? { ATTEMPT_STUDIO_NATIVE: '0' } : {}) } },
);
try {
  const c = JSON.parse(readFileSync(countFile, 'utf8'));
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
  failures.push(...c.failures);
} catch {
  failed++;
  failures.push(`test runner exited with ${r.status} before reporting`);
}
rmSync(countDir, { recursive: true, force: true });
if (r.status !== 0 && failed === 0) {
  failed++;
  failures.push(`test runner exited with status ${r.status}`);
}
if (failures.length > 0) process.stdout.write(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 ? 1 : 0);
