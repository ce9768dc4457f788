// `node --import tsx bench/real-shape-kernels.ts`: where a Qwen2.5-Math-1.5B-shaped batch-8 prefill spends its
// time, ours (the cpu-native addon's kernels, called as native-decode.ts calls them) against PyTorch, INTERLEAVED in
// one invocation: for each round and piece, ours then torch (the order swaps every round), each timed over a few
// calls after a warm-up; medians of each and the median of the per-round ratios. Pieces: the matmuls of one
// decoder layer at 256 rows (q, k/v, o, gate/up, down), the attention of 8 × 32 tokens, the LM head on the 8 last
// positions, and a whole prefill of a model with the exact widths but --layers layers (the real code path:
// a decode session's first call). Threads: --threads (default 2) for both. The machine is shared: the load
// average is printed beside every round.
// Options: --peer PYTHON (default /usr/bin/python3), --rounds N (5), --reps N (3), --layers N (2), --only a,b,
// --out FILE (default bench/results/real-shape-kernels.json), --no-write
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { selectRuntime } from '../backend/model/runtime/runtime.js';
import { loadNativeAddon } from '../backend/model/native/native-addon.js';
import { Transformer, parameterShapes } from '../backend/model/core/transformer.js';
import { fromHfConfig } from '../backend/model/core/config.js';
import { createDecodeSession } from '../backend/model/core/generate.js';

const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1]! : d);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const threads = Number(arg('threads', '2'));
const rounds = Number(arg('rounds', '5'));
const reps = Number(arg('reps', '3'));
const layers = Number(arg('layers', '2'));
const B = 8;
const T = 32;
const N = B * T;
const C = 1536;
const FF = 8960;
const H = 12;
const HKV = 2;
const D = C / H;
const V = 151936;

await selectRuntime({ force: 'cpu-native' });
const addon = loadNativeAddon().addon!;
addon.setThreads(threads);

let seed = 0x2545f491;
function rand(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    out[i] = ((seed >>> 0) / 4294967296 - 0.5) * 0.07;
  }
  return out;
}

const Z = new Float64Array([0]);
const x = rand(N * C);
const xf = rand(N * FF);
const wq = rand(C * C);
const wkv = rand(HKV * D * C);
const wg = rand(FF * C);
const wd = rand(C * FF);
const head = rand(V * C);
const last = rand(B * C);
const q = rand(N * C);
const k = rand(B * HKV * T * D);
const v = rand(B * HKV * T * D);
const mask = new Float32Array(B * T * T);
for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let s = t + 1; s < T; s++) mask[(b * T + t) * T + s] = -1e9;
const att = new Float32Array(N * C);
const probs = new Float32Array(B * H * T * T);
const outC = new Float32Array(N * C);
const outKv = new Float32Array(N * HKV * D);
const outF = new Float32Array(N * FF);
const logits = new Float32Array(B * V);

const hf = { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: V, hidden_size: C, num_hidden_layers: layers, num_attention_heads: H, num_key_value_heads: HKV, intermediate_size: FF, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, max_position_embeddings: 4096 };
const config = fromHfConfig(hf);
const weights = new Map<string, { data: Float32Array; shape: number[] }>();
for (const [name, shape] of parameterShapes(config)) {
  const n = shape.reduce((a, b) => a * b, 1);
  weights.set(name, { data: name.endsWith('norm.weight') ? new Float32Array(n).fill(1) : rand(n), shape });
}
const model = Transformer.fromWeights(config, weights, 'random weights');
const prompts = Array.from({ length: B }, (_, i) => Array.from({ length: T }, (_, j) => (i * 7919 + j * 104729) % V));

const ours: Record<string, () => Promise<void> | void> = {
  q: () => addon.matmul(x, wq, outC, Z, Z, N, C, C, false, true),
  kv: () => addon.matmul(x, wkv, outKv, Z, Z, N, HKV * D, C, false, true),
  o: () => addon.matmul(x, wq, outC, Z, Z, N, C, C, false, true),
  gateUp: () => addon.matmul(x, wg, outF, Z, Z, N, FF, C, false, true),
  down: () => addon.matmul(xf, wd, outC, Z, Z, N, C, FF, false, true),
  attention: () => addon.attention(q, k, v, mask, new Float64Array([T * T, 0, 0, T]), att, probs, B, T, H, HKV, T, D, 1 / Math.sqrt(D), T),
  lmHead: () => addon.matmul(last, head, logits, Z, Z, B, V, C, false, true),
  prefill: async () => {
    const s = createDecodeSession(model, { batchSize: B, maxLength: T + 2, temperature: 0, topP: 1, seed: 0 });
    try {
      prompts.forEach((p, i) => s.append(i, p));
      await s.generate({ active: new Array<boolean>(B).fill(true), maxNewTokens: new Array<number>(B).fill(1) });
    } finally {
      s.dispose();
    }
  },
};
const only = arg('only', Object.keys(ours).join(',')).split(',');

const peerPython = arg('peer', '/usr/bin/python3');
const peer = spawn(peerPython, [path.join(root, 'bench/peers/real_shape_kernels_torch.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
async function ask(msg: object): Promise<Record<string, any>> {
  peer.stdin.write(JSON.stringify(msg) + '\n');
  const r = await lines.next();
  if (r.done) throw new Error('the torch peer exited');
  return JSON.parse(r.value) as Record<string, any>;
}
const info = await ask({ cmd: 'setup', threads, rows: N, batch: B, prompt: T, d: C, ffn: FF, heads: H, kvHeads: HKV, vocab: V, layers });

async function timeOurs(op: string): Promise<number[]> {
  await ours[op]!();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await ours[op]!();
    ms.push(performance.now() - t);
  }
  return ms;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pause = () => new Promise((r) => setTimeout(r, 200)); // lets the other side's spinning threads go idle

const res: Record<string, { ours: number[]; torch: number[]; ratio: number[] }> = {};
const loads: number[][] = [os.loadavg().map((l) => +l.toFixed(2))];
for (const op of only) res[op] = { ours: [], torch: [], ratio: [] };
process.stdout.write(`torch ${info.torch} (${peerPython}), ${threads} threads; ours: ${addon.info().blas}\n`);
for (let r = 0; r < rounds; r++) {
  for (const op of only) {
    let a = 0;
    let b = 0;
    const runOurs = async () => (a = median(await timeOurs(op)));
    const runTorch = async () => (b = median((await ask({ cmd: 'time', op, reps })).ms as number[]));
    if (r % 2 === 0) {
      await runOurs();
      await pause();
      await runTorch();
    } else {
      await runTorch();
      await pause();
      await runOurs();
    }
    await pause();
    res[op]!.ours.push(a);
    res[op]!.torch.push(b);
    res[op]!.ratio.push(b / a);
  }
  loads.push(os.loadavg().map((l) => +l.toFixed(2)));
  process.stdout.write(`round ${r + 1}/${rounds} done, load ${loads.at(-1)!.join(' ')}\n`);
}
peer.stdin.end();
const flops: Record<string, number> = { q: 2 * N * C * C, kv: 2 * N * HKV * D * C, o: 2 * N * C * C, gateUp: 2 * N * FF * C, down: 2 * N * FF * C, lmHead: 2 * B * V * C };
process.stdout.write('\npiece       ours ms   torch ms   torch/ours (median of rounds; > 1 = ours faster)   ours GFLOP/s  torch GFLOP/s\n');
for (const op of only) {
  const o = median(res[op]!.ours);
  const t = median(res[op]!.torch);
  const f = flops[op];
  process.stdout.write(`${op.padEnd(10)} ${o.toFixed(2).padStart(8)} ${t.toFixed(2).padStart(10)}   ${median(res[op]!.ratio).toFixed(2).padStart(6)}` +
    (f ? `   ${(f / o / 1e6).toFixed(1).padStart(10)} ${(f / t / 1e6).toFixed(1).padStart(12)}` : '') + '\n');
}
process.stdout.write(`load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
model.dispose();
if (!process.argv.includes('--no-write')) {
  const file = path.resolve(arg('out', path.join(root, 'bench/results/real-shape-kernels.json')));
  const pieces = Object.fromEntries(only.map((op) => [op, { oursMs: +median(res[op]!.ours).toFixed(2), torchMs: +median(res[op]!.torch).toFixed(2), torchOverOursMedian: +median(res[op]!.ratio).toFixed(2), oursMsPerRound: res[op]!.ours.map((x) => +x.toFixed(2)), torchMsPerRound: res[op]!.torch.map((x) => +x.toFixed(2)) }]));
  const spec = { rows: N, batch: B, prompt: T, hidden: C, intermediate: FF, heads: H, kvHeads: HKV, vocab: V, prefillLayers: layers, threads, rounds, reps };
  writeFileSync(file, JSON.stringify({ what: 'Qwen2.5-Math-1.5B-shaped batch-8 prefill pieces, ours vs PyTorch interleaved (ms: median over rounds of the median of reps; torchOverOursMedian > 1 = ours faster)', torch: info.torch, peer: peerPython, blas: addon.info().blas, spec, pieces, loadAvgPerRound: loads, note: 'a SHARED 2-core machine: other engineers\' processes ran concurrently', date: new Date().toISOString() }, null, 2) + '\n');
  process.stdout.write(`wrote ${path.relative(root, file)}\n`);
}
