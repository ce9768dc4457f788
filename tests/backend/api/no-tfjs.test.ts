// The API process (serve, Electron main) must never load TensorFlow.js: only worker processes do (docs/ARCHITECTURE.md).
// Checked in a fresh process through require.cache, where tfjs's CommonJS build lands when anything imports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');
const probe = (modules: string[]) =>
  spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       for (const m of ${JSON.stringify(modules)}) await import(m);
       const req = createRequire(${JSON.stringify(path.join(root, 'x.js'))});
       process.stdout.write(String(Object.keys(req.cache).filter((k) => k.includes('@tensorflow')).length));`,
    ],
    { cwd: root, encoding: 'utf8' },
  );

test('the backend assembly, HTTP server, run manager and serve command load no tfjs; the probe does detect it', () => {
  const api = probe(['./backend/api/backend.ts', './backend/api/http-server.ts', './backend/commands/serve.ts', './electron/ipc-handlers.ts'].map((m) => path.join(root, m)));
  assert.equal(api.status, 0, api.stderr);
  assert.equal(api.stdout, '0');
  const control = probe([path.join(root, 'backend/model/core/tf.ts')]);
  assert.equal(control.status, 0, control.stderr);
  assert.ok(Number(control.stdout) > 0, 'the check sees tfjs when it is loaded');
});
