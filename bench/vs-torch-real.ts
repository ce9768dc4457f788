// `npm run bench:vs-torch -- --real-shapes`: Qwen2.5-0.5B- and Qwen2.5-Math-1.5B-shaped models (random weights
// in the exact shapes, float32) in this project's cpu-native runtime and in PyTorch — the current PyPI release
// (ATTEMPT_STUDIO_TORCH_VENV_PYTHON, the main peer) and Debian's python3-torch (/usr/bin/python3) — one process
// per model and implementation, run one after another in this invocation (each alone on the machine's cores):
// prefill and decode tokens/s at batch 1 and 8, one training micro-batch of 1 × 1,024 tokens, peak RSS.
// Writes bench/results/vs-torch-real-shapes.json with the load average around every figure and the derived
// (computed, not measured) time of a full k = 1..7 evaluation of the five benchmarks and of one Qwen PPO step.
// Every prefill is the median of --repeat runs (fresh sessions); a worker is stopped (and its row records why) when
// the machine's available memory falls below --min-available-gib, so a run that does not fit never pushes other
// processes into the kernel's OOM killer.
// Options: --models 0.5b,1.5b  --peers pypi,debian  --train 0.5b,1.5b (which models get the training figure)
// --checkpoint (ours trains with activation checkpointing per layer, the Qwen presets' setting; PyTorch as before)
// --no-train  --train-only (no prefill/decode)  --repeat N (3)  --prompt N  --new N  --min-available-gib G (1.5)
// --out FILE (default bench/results/vs-torch-real-shapes.json)  --no-ours  --peers none  --merge (keep the rows of
// --out that this invocation does not run, each with its own finishedAt)  --no-write
// Training comparisons: --train-seq N (1024)  --train-repeat N (timed micro-batches per process, median; 1)
// --rounds N (run every worker N times, interleaved, order reversed every other round; 1)  --both-checkpoint (ours
// twice: without and with checkpointing)  --profile (per-op wall/CPU times by phase: ours via bench/kernel-timer.ts,
// PyTorch via torch.profiler)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromHfConfig, type ModelConfig } from '../backend/model/core/config.js';
import { parameterCount } from '../backend/model/runtime/memory-estimate.js';
import { derivedTimes } from './real-shape-derived.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** The published config.json shape fields of the two models. */
const MODELS: Record<string, { name: string; hf: Record<string, unknown> }> = {
  '0.5b': {
    name: 'Qwen2.5-0.5B',
    hf: { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 151936, hidden_size: 896, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, intermediate_size: 4864, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true, max_position_embeddings: 32768 },
  },
  '1.5b': {
    name: 'Qwen2.5-Math-1.5B',
    hf: { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 151936, hidden_size: 1536, num_hidden_layers: 28, num_attention_heads: 12, num_key_value_heads: 2, intermediate_size: 8960, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, max_position_embeddings: 4096 },
  },
};

const PEERS: Record<string, { label: string; python: string }> = {
  pypi: { label: 'PyTorch (PyPI)', python: process.env.ATTEMPT_STUDIO_TORCH_VENV_PYTHON ?? path.join(root, '.venv-torch/bin/python') },
  debian: { label: 'PyTorch (Debian python3-torch)', python: '/usr/bin/python3' },
};

function peerShape(c: ModelConfig): Record<string, unknown> {
  return { vocab: c.vocabSize, d: c.hiddenSize, layers: c.numLayers, heads: c.numHeads, kvHeads: c.numKvHeads, ffn: c.intermediateSize, eps: c.rmsNormEps, theta: c.ropeTheta, tied: c.tieEmbeddings, qkvBias: c.qkvBias, maxPositions: Math.min(c.maxPositions, 4096) };
}

/** MemAvailable of /proc/meminfo in bytes (Infinity where there is none). */
function availableBytes(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : Infinity;
  } catch {
    return Infinity;
  }
}

async function runWorker(what: string, cmd: string, args: string[]): Promise<Record<string, unknown>> {
  process.stdout.write(`  ${what} … `);
  const t = performance.now();
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20000)));
  let lowest = availableBytes();
  let stopped = '';
  const watch = setInterval(() => {
    lowest = Math.min(lowest, availableBytes());
    if (lowest < minAvailable && !stopped) {
      let hwm: RegExpExecArray | null = null;
      try {
        hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      } catch {
        // the worker ended meanwhile
      }
      const peak = hwm ? `, the worker's peak RSS then ${(Number(hwm[1]) / 2 ** 20).toFixed(1)} GiB` : '';
      stopped = `stopped: the machine's available memory fell to ${(lowest / 2 ** 30).toFixed(1)} GiB (limit ${(minAvailable / 2 ** 30).toFixed(1)} GiB) after ${((performance.now() - t) / 1000).toFixed(0)} s${peak}`;
      child.kill('SIGKILL');
    }
  }, 500);
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearInterval(watch);
  const secs = (performance.now() - t) / 1000;
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (stopped || status !== 0 || !last.startsWith('{')) {
    process.stdout.write(`failed (${stopped || status}) after ${secs.toFixed(0)} s\n${stderr.slice(-2000)}\n`);
    return { error: stopped || `exit ${status}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, lowestAvailableGiB: +(lowest / 2 ** 30).toFixed(1) };
  }
  const out = JSON.parse(last) as Record<string, unknown>;
  process.stdout.write(`${secs.toFixed(0)} s, load ${JSON.stringify(out.loadAvgEnd)}\n`);
  return { ...out, wallSeconds: +secs.toFixed(1), lowestAvailableGiB: +(lowest / 2 ** 30).toFixed(1), finishedAt: new Date().toISOString() };
}

const models = arg('models', '0.5b,1.5b').split(',');
const peers = arg('peers', 'pypi,debian').split(',').filter((p) => p && p !== 'none');
const runOurs = !process.argv.includes('--no-ours');
const trainOnly = process.argv.includes('--train-only');
const trainModels = process.argv.includes('--no-train') ? [] : arg('train', trainOnly ? arg('models', '0.5b,1.5b') : '0.5b,1.5b').split(',');
const minAvailable = Number(arg('min-available-gib', '1.5')) * 2 ** 30;
const outFile = path.resolve(arg('out', path.join(root, 'bench/results/vs-torch-real-shapes.json')));
const spec = { prompt: Number(arg('prompt', '32')), newTokens: Number(arg('new', '4')), batches: [1, 8], trainSeq: Number(arg('train-seq', '1024')), threads: 2, repeat: trainOnly ? 0 : Number(arg('repeat', '3')), checkpoint: process.argv.includes('--checkpoint'), trainRepeat: Number(arg('train-repeat', '1')), profile: process.argv.includes('--profile') };
const rounds = Number(arg('rounds', '1'));
/** Our worker(s): key in the row and whether it trains with activation checkpointing. */
const ourVariants: [string, boolean][] = process.argv.includes('--both-checkpoint') ? [['ours', false], ['oursCheckpoint', true]] : [['ours', spec.checkpoint]];
const kept = process.argv.includes('--merge') && existsSync(outFile) ? (JSON.parse(readFileSync(outFile, 'utf8')) as { results: Record<string, Record<string, unknown>> }).results : {};
const results: Record<string, Record<string, unknown>> = { ...kept };
const parameters: Record<string, number> = {};
const loadAtStart = os.loadavg().map((x) => +x.toFixed(2));
for (const key of models) {
  const m = MODELS[key];
  if (!m) throw new Error(`--models: unknown '${key}' (known: ${Object.keys(MODELS).join(', ')})`);
  const config = fromHfConfig(m.hf);
  const skipTrain = !trainModels.includes(key);
  process.stdout.write(`\n== ${m.name}-shaped (random weights, float32): prompt ${spec.prompt}, ${spec.newTokens} decode steps, batch ${spec.batches.join(' and ')}${skipTrain ? '' : `, train 1 × ${spec.trainSeq}`}\n`);
  const row: Record<string, unknown> = { ...kept[m.name] };
  parameters[m.name] = parameterCount(config);
  const workers: [string, () => Promise<Record<string, unknown>>][] = [];
  if (runOurs)
    for (const [k, checkpoint] of ourVariants)
      workers.push([k, () => runWorker(`cpu-native (this project)${checkpoint ? ', checkpointing' : ''}`, process.execPath, ['--import', 'tsx', path.join(root, 'bench/real-shape-ours.ts'), JSON.stringify({ ...spec, checkpoint, skipTrain, config })])]);
  for (const p of peers) {
    const peer = PEERS[p];
    if (!peer) throw new Error(`--peers: unknown '${p}' (known: ${Object.keys(PEERS).join(', ')})`);
    if (!existsSync(peer.python)) {
      row[p] = { error: `${peer.python} not found (set ATTEMPT_STUDIO_TORCH_VENV_PYTHON)` };
      continue;
    }
    workers.push([p, () => runWorker(peer.label, peer.python, [path.join(root, 'bench/peers/real_shape_torch.py'), JSON.stringify({ ...spec, skipTrain, shape: peerShape(config) })])]);
  }
  // Interleaved rounds: the workers in order, reversed every other round; each row keeps its last round's object
  // plus, with --rounds > 1, every round's object and the median over rounds of the training seconds.
  const perRound: Record<string, Record<string, unknown>[]> = {};
  for (let r = 0; r < rounds; r++) {
    if (rounds > 1) process.stdout.write(`  round ${r + 1}/${rounds}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    for (const [k, run] of r % 2 ? [...workers].reverse() : workers) (perRound[k] ??= []).push(await run());
  }
  for (const [k, all] of Object.entries(perRound)) {
    const secs = all.map((o) => (o.train as { seconds?: number } | undefined)?.seconds).filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
    row[k] = rounds > 1 ? { ...all.at(-1), rounds: all, trainSecondsMedianOfRounds: secs.length ? secs[secs.length >> 1] : null } : all[0]!;
  }
  results[m.name] = row;
}
const out = {
  method:
    'one process per model and implementation, run one after another (never two at once), 2 threads each; random weights in the exact shapes, float32; prefill = one forward of the prompt with last-position logits, the median of spec.repeat runs (repeat 0: training only); decode = median of per-step times with a KV cache; train = one forward + next-token loss + backward into all weights (no optimizer step), a single sample after a 16-token warm-up; peak = the process peak RSS over all of it (weights included)',
  spec: { ...spec, trainModels },
  results,
  parameters,
  ...(trainOnly ? {} : { derived: derivedTimes(results, parameters) }),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), loadAvgAtStart: loadAtStart, loadAvgAtEnd: os.loadavg().map((x) => +x.toFixed(2)), note: 'a SHARED 2-core machine: other engineers\' processes ran concurrently; every figure carries the load average around it' },
  date: new Date().toISOString(),
};
if (!process.argv.includes('--no-write')) {
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`\nwrote ${path.relative(root, outFile)}\n`);
}
process.stdout.write(JSON.stringify(out.derived ?? out.results, null, 1) + '\n');
