// The layer rules (.dependency-cruiser.mjs) catch a break and say which rule and why: dependency-cruiser runs
// with the project's config on a small tree in a temporary folder whose files break three of the rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

test('a rule break fails with the rule name and its reason', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-arch-'));
  try {
    const put = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    };
    put('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }));
    put('backend/api/contract.ts', 'export const x = 1;\n');
    put('backend/runs/manager.ts', "import { x } from '../api/contract.ts';\nexport const y = x;\n");
    put('backend/model/core/a.ts', "import { z } from './b.ts';\nexport const a = z;\n");
    put('backend/model/core/b.ts', "import { a } from './a.ts';\nexport const z = 1;\nexport const w = a;\n");
    put('backend/rl/step.ts', "import { y } from '../runs/manager.ts';\nexport const s = y;\n");
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', path.join(root, '.dependency-cruiser.mjs'), '--output-type', 'err-long', 'backend'],
      // NO_COLOR: under CI=true the reporter colours its output, which would split the matched text.
      { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
    );
    assert.notEqual(r.status, 0, r.stdout + r.stderr);
    const ansi = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g');
    const out = (r.stdout + r.stderr).replace(ansi, '').replace(/\s+/g, ' ');
    assert.match(out, /error api-only-from-the-edge: backend\/runs\/manager\.ts → backend\/api\/contract\.ts/);
    assert.match(out, /they throw domain errors that only the API maps to HTTP codes/);
    assert.match(out, /error no-cycles: backend\/model\/core\/a\.ts/);
    assert.match(out, /error rl-and-eval-are-pure: backend\/rl\/step\.ts → backend\/runs\/manager\.ts/);
    assert.match(out, /Composition \(load, run, store\) lives in backend\/jobs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
