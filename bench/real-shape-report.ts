// `node --import tsx bench/real-shape-report.ts`: the Markdown tables of bench/results/vs-torch-real-shapes.json
// for docs/PERFORMANCE.md (measured figures with their load averages, ratios against each PyTorch in the same run,
// and the DERIVED eval / PPO-step times, recomputed here with the parameter counts). Training micro-batches run on
// their own (`--train-only --out bench/results/vs-torch-real-train.json`) get a table of their own, and their
// rates stand in for a model whose main run did not train (the derived times say so).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromHfConfig } from '../backend/model/core/config.js';
import { parameterCount } from '../backend/model/runtime/memory-estimate.js';
import { derivedTimes } from './real-shape-derived.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const file = path.join(root, 'bench/results/vs-torch-real-shapes.json');
const data = JSON.parse(readFileSync(file, 'utf8')) as { results: Record<string, Record<string, any>>; parameters?: Record<string, number>; derived?: unknown };

// Parameter counts of the two shapes (as bench/vs-torch-real.ts builds them).
const shapes: Record<string, Record<string, unknown>> = {
  'Qwen2.5-0.5B': { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 151936, hidden_size: 896, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, intermediate_size: 4864, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true, max_position_embeddings: 32768 },
  'Qwen2.5-Math-1.5B': { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 151936, hidden_size: 1536, num_hidden_layers: 28, num_attention_heads: 12, num_key_value_heads: 2, intermediate_size: 8960, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, max_position_embeddings: 4096 },
};
data.parameters ??= Object.fromEntries(Object.entries(shapes).map(([k, hf]) => [k, parameterCount(fromHfConfig(hf))]));
const trainFile = path.join(root, 'bench/results/vs-torch-real-train.json');
const trainRuns = existsSync(trainFile) ? (JSON.parse(readFileSync(trainFile, 'utf8')) as { results: Record<string, Record<string, any>> }).results : {};
// Rates for the derived times: a training figure from the separate run where the main run has none.
const forDerived: Record<string, Record<string, any>> = {};
for (const [model, row] of Object.entries(data.results)) {
  forDerived[model] = {};
  for (const [impl, r] of Object.entries(row)) {
    const t = trainRuns[model]?.[impl]?.train;
    forDerived[model][impl] = !r.train && t ? { ...r, train: t, trainFrom: 'the separate training run (bench/results/vs-torch-real-train.json)' } : r;
  }
}
data.derived = derivedTimes(forDerived, data.parameters);
writeFileSync(file, JSON.stringify(data, null, 2) + '\n');

const IMPLS: [string, string][] = [['ours', 'cpu-native'], ['pypi', 'torch (PyPI)'], ['debian', 'torch 1.13 (Debian)']];
const fmt = (x: number | undefined, d = 2) => (x === undefined ? '—' : x.toFixed(d));
const gib = (b: number | undefined) => (b === undefined ? '—' : (b / 2 ** 30).toFixed(1));
const lines: string[] = [];
for (const [model, row] of Object.entries(data.results)) {
  lines.push(`**${model}-shaped** (${((data.parameters[model] ?? 0) / 1e6).toFixed(0)}M parameters, float32, random weights)`, '');
  lines.push('| implementation | prefill tok/s b1 | b8 | decode tok/s b1 | b8 | train 1×1,024 s | peak RSS GiB | load avg (1 min) start → end |', '|---|---|---|---|---|---|---|---|');
  for (const [key, label] of IMPLS) {
    const r = row[key];
    if (!r) continue;
    if (r.error) {
      lines.push(`| ${label} | failed: ${String(r.error).slice(0, 80)} | | | | | | |`);
      continue;
    }
    lines.push(`| ${label} ${r.torch ? `${r.torch}` : ''} | ${fmt(r.b1?.prefillTokensPerS, 1)} | ${fmt(r.b8?.prefillTokensPerS, 1)} | ${fmt(r.b1?.decodeTokensPerS)} | ${fmt(r.b8?.decodeTokensPerS)} | ${r.train ? fmt(r.train.seconds, 0) : trainRuns[model]?.[key] ? 'own run ↓' : 'not run'} | ${gib(r.peakRssBytes)} | ${r.loadAvgStart?.[0]} → ${r.loadAvgEnd?.[0]} |`);
  }
  for (const [key, label] of IMPLS.slice(1)) {
    const o = row.ours;
    const p = row[key];
    if (!o || !p || o.error || p.error) continue;
    const ratio = (a?: number, b?: number) => (a && b ? (a / b).toFixed(2) : '—');
    lines.push(
      `| ratio ours / ${label} (> 1 = ours faster) | ${ratio(o.b1?.prefillTokensPerS, p.b1?.prefillTokensPerS)} | ${ratio(o.b8?.prefillTokensPerS, p.b8?.prefillTokensPerS)} | ${ratio(o.b1?.decodeTokensPerS, p.b1?.decodeTokensPerS)} | ${ratio(o.b8?.decodeTokensPerS, p.b8?.decodeTokensPerS)} | ${o.train && p.train ? (p.train.seconds / o.train.seconds).toFixed(2) : '—'} | ${ratio(p.peakRssBytes, o.peakRssBytes)} (torch / ours) | |`,
    );
  }
  lines.push('');
}
for (const [model, row] of Object.entries(trainRuns)) {
  lines.push(`**${model}-shaped, training micro-batch alone** (1 × 1,024 tokens: forward, loss over the full vocabulary, backward; no optimizer step)`, '');
  lines.push('| implementation | train 1×1,024 s | tokens/s | peak RSS GiB | load avg (1 min) start → end | finished (UTC) |', '|---|---|---|---|---|---|');
  for (const [key, label] of IMPLS) {
    const r = row[key];
    if (!r) continue;
    if (r.error) lines.push(`| ${label} | not measured: ${String(r.error)} | | | | |`);
    else lines.push(`| ${label} ${r.torch ?? ''} | ${fmt(r.train?.seconds, 0)} | ${fmt(r.train?.tokensPerS, 1)} | ${gib(r.peakRssBytes)} | ${r.loadAvgStart?.[0]} → ${r.loadAvgEnd?.[0]} | ${r.finishedAt ? String(r.finishedAt).slice(11, 16) : '—'} |`);
  }
  lines.push('');
}
process.stdout.write(lines.join('\n') + '\n' + JSON.stringify(data.derived, null, 1) + '\n');
