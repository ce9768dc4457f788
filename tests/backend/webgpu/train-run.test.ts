// A training run on the webgpu runtime through the real `train` command (config "runtime": "webgpu", a tiny
// Hugging Face Qwen2 folder): it completes, and the run records its runtime — the runs table's backend and
// device (the adapter, marked software where it is) and the adapter's driver and limits in the run's log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../../backend/db/sqlite-binding.js';
import { QWEN_TINY, writeTinyModel, writeTinyTokenizer } from '../model/hf-fixtures.js';
import { startWebGpuOrSkip } from './webgpu-available.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
let dir: string;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-webgpu-train-'));
  await writeTinyModel(path.join(dir, 'qwen'), { ...QWEN_TINY, max_position_embeddings: 1024 }, { seed: 7 });
  writeTinyTokenizer(path.join(dir, 'qwen'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a run on webgpu completes and records the adapter it ran on', async (t) => {
  const report = await startWebGpuOrSkip(t);
  if (!report) return;
  const cfg = path.join(dir, 'run.json');
  writeFileSync(cfg, JSON.stringify({
    model: { source: path.join(dir, 'qwen') },
    runtime: 'webgpu',
    steps: 1,
    rolloutBatch: 2,
    miniBatch: 2,
    seed: 1,
    eval: { everySteps: 0, maxQuestions: 2 },
    checkpoint: { everySteps: 1 },
    generation: { maxTokensPerAttempt: 6, maxTotalTokens: 12 },
  }));
  const db = path.join(dir, 'runs.db');
  const r = spawnSync(process.execPath, [bin, 'train', '--config', cfg, '--db', db, '--json'], { encoding: 'utf8', env: { ...process.env, ATTEMPT_STUDIO_RUNTIME: '' } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { status: string; error?: string };
  assert.equal(out.status, 'completed', out.error);
  const d = openSqlite(db, { readonly: true });
  const row = d.prepare('SELECT backend, device FROM runs').get() as { backend: string; device: string };
  d.close();
  assert.equal(row.backend, 'webgpu');
  assert.ok(row.device.includes(report.adapter!.device), row.device);
  if (report.adapter!.software) assert.match(row.device, /software/);
  const logText = r.stdout + r.stderr;
  assert.match(logText, /adapter: vendor '.*', architecture '.*', device '.+', driver '.+'/);
  assert.match(logText, /limits: maxBufferSize \d+, maxStorageBufferBindingSize \d+/);
});
