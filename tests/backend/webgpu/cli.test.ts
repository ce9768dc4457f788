// The webgpu runtime as a user meets it: `attempt-studio runtime` reports the adapter (software ones only when
// forced), `ATTEMPT_STUDIO_RUNTIME=webgpu attempt-studio generate` gives the cpu runtime's greedy tokens for a
// Hugging Face folder, and a model whose single tensor exceeds the adapter's buffer limit is refused, naming
// the tensor, before any weights load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadHfModel } from '../../../backend/model/formats/hf-import.js';
import { isSoftwareAdapter } from '../../../backend/model/runtime/webgpu-device.js';
import type { RuntimeReport } from '../../../backend/model/runtime/runtime.js';
import { QWEN_TINY, writeTinyModel } from '../model/hf-fixtures.js';
import { startWebGpuOrSkip } from './webgpu-available.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-webgpu-cli-'));
  await writeTinyModel(path.join(dir, 'qwen'), QWEN_TINY, { seed: 5 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('runtime --force webgpu --json reports the adapter: vendor, device, driver, limits, software or not', async (t) => {
  if (!(await startWebGpuOrSkip(t))) return;
  const r = cli(['runtime', '--force', 'webgpu', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as RuntimeReport;
  assert.equal(report.name, 'webgpu');
  assert.equal(report.tfBackend, 'webgpu', 'the backend actually active');
  const a = report.adapter!;
  for (const k of ['vendor', 'architecture', 'device', 'description'] as const) assert.equal(typeof a[k], 'string');
  assert.ok(a.limits.maxBufferSize > 0 && a.limits.maxStorageBufferBindingSize > 0);
  assert.equal(a.software, isSoftwareAdapter(a));
  if (a.software) assert.match(report.reason, /forced .*software adapter/);
  // The plain text form names the adapter and its limits too.
  const text = cli(['runtime', '--force', 'webgpu']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /adapter: vendor '.*', device '.+', driver '.+'/);
  assert.match(text.stdout, /maxStorageBufferBindingSize \d+/);
});

test('automatic selection passes over a software adapter and says why', async (t) => {
  const forced = await startWebGpuOrSkip(t);
  if (!forced) return;
  const r = cli(['runtime', '--json'], { ATTEMPT_STUDIO_RUNTIME: '' });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as RuntimeReport;
  const webgpu = report.attempts.find((a) => a.name === 'webgpu')!;
  if (forced.adapter!.software) {
    assert.notEqual(report.name, 'webgpu');
    assert.equal(webgpu.ok, false);
    assert.match(webgpu.reason, /only a software adapter: .+; used only when forced/);
  } else assert.equal(report.name, 'webgpu', 'a hardware adapter is chosen after tfjs-node-gpu');
});

test('ATTEMPT_STUDIO_RUNTIME=webgpu generate --greedy gives the cpu runtime\'s tokens for a Hugging Face folder', async (t) => {
  if (!(await startWebGpuOrSkip(t))) return;
  const args = ['generate', '--model', path.join(dir, 'qwen'), '--prompt-ids', '5,17,42,99,3', '--max-new-tokens', '12', '--greedy', '--ignore-eos', '--json'];
  const cpu = cli(args, { ATTEMPT_STUDIO_RUNTIME: 'cpu' });
  assert.equal(cpu.status, 0, cpu.stderr);
  const gpu = cli(args, { ATTEMPT_STUDIO_RUNTIME: 'webgpu' });
  assert.equal(gpu.status, 0, gpu.stderr);
  const want = (JSON.parse(cpu.stdout) as { ids: number[] }).ids;
  assert.equal(want.length, 12);
  assert.deepEqual((JSON.parse(gpu.stdout) as { ids: number[] }).ids, want);
  // The check can fail: another prompt continues differently.
  const other = cli(['generate', '--model', path.join(dir, 'qwen'), '--prompt-ids', '250,1,1,7', '--max-new-tokens', '12', '--greedy', '--ignore-eos', '--json'], { ATTEMPT_STUDIO_RUNTIME: 'webgpu' });
  assert.notDeepEqual((JSON.parse(other.stdout) as { ids: number[] }).ids, want);
});

test('a model with a tensor larger than the adapter\'s largest buffer binding is refused before loading, naming it', async (t) => {
  const report = await startWebGpuOrSkip(t);
  if (!report) return;
  const limit = Math.min(report.adapter!.limits.maxBufferSize, report.adapter!.limits.maxStorageBufferBindingSize);
  const hidden = 64;
  const vocab = Math.ceil((1.25 * limit) / 4 / hidden); // the embedding is a quarter over the limit
  const big = path.join(dir, 'big');
  mkdirSync(big, { recursive: true });
  // config.json only: a refusal that came after loading would complain about the missing weights instead.
  writeFileSync(path.join(big, 'config.json'), JSON.stringify({ ...QWEN_TINY, vocab_size: vocab, hidden_size: hidden, num_attention_heads: 4, num_key_value_heads: 2 }));
  await assert.rejects(loadHfModel(big), (err: Error) => {
    assert.match(err.message, /config\.json: tensor 'model\.embed_tokens\.weight' \[\d+, 64\] is .+ as float32, more than the .+ one buffer may hold on .+ \((maxStorageBufferBindingSize|maxBufferSize)\)/);
    return true;
  });
  const r = cli(['generate', '--model', big, '--prompt-ids', '1,2', '--greedy', '--json'], { ATTEMPT_STUDIO_RUNTIME: 'webgpu' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /tensor 'model\.embed_tokens\.weight'/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'a one-line error, no stack trace');
});

test('a job\'s automatic selection skips the OpenGL ES probe without a Vulkan loader: no Dawn warnings, the reason says so', async (t) => {
  const forced = await startWebGpuOrSkip(t);
  if (!forced) return;
  if (forced.adapter!.backend !== 'opengles') return t.skip('this machine has a Vulkan loader: its native adapter is probed as before');
  const select = (probeAll: boolean) => {
    const code = `import { selectRuntime } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../../backend/model/runtime/runtime.ts'))};
const r = await selectRuntime({ candidates: ['webgpu', 'cpu'], probeAll: ${probeAll} });
process.stdout.write(JSON.stringify(r.attempts));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, ATTEMPT_STUDIO_RUNTIME: '' } });
    assert.equal(r.status, 0, r.stderr);
    return { attempts: JSON.parse(r.stdout) as RuntimeReport['attempts'], stderr: r.stderr };
  };
  const quick = select(false);
  const webgpu = quick.attempts.find((a) => a.name === 'webgpu')!;
  assert.equal(webgpu.ok, false);
  assert.match(webgpu.reason, /opengles: not probed .*--force webgpu/);
  assert.doesNotMatch(quick.stderr, /artificially reduced|Warning:/, 'Dawn was not started');
  // The diagnosis (`attempt-studio runtime`) still asks Dawn, and finds the adapter the job skipped.
  const full = select(true).attempts.find((a) => a.name === 'webgpu')!;
  assert.equal(full.ok, false);
  assert.match(full.reason, /only a software adapter: .+; used only when forced/);
});
