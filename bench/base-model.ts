// Trains the built-in base model with a given spec and measures it on the synthetic validation split (--split
// test only for a reported configuration) with greedy K-attempt episodes (accuracy at k = 1..K, repeat rate,
// malformed retries, train-vs-held-out accuracy) and n single-turn samples per question at temperature 1
// (pass@k, the baseline's ceiling without feedback), plus wall time.
// Usage: npm run bench:base-model -- [--label L] [--steps N] [--batch B] [--lr X] [--families add,...]
//   [--levels 2,3] [--digits JSON] [--retry-share S] [--retry-first far|near-miss] [--style boxed|reversed]
//   [--eval 300] [--attempts 5] [--samples 5] [--split validation|test] [--seed S] [--hidden H --layers L]
//   [--first-candidate-share X] [--save DIR];
//   options left out take DEFAULT_BASE_MODEL_SPEC's values. --save DIR: also save the model as DIR/base-<hash>/
//   (the layout ensureBaseModel reads; how the checkpoints shipped in resources/base-models are made).
//   --add-check DIR: only record the reproducibility check (backend/eval/base-model-check.ts) in
//   DIR/base-model.json, for a checkpoint saved before the check existed; trains nothing.
// Writes bench/results/base-model.json (one entry per label, merged with what is there).
import { parseArgs } from 'node:util';
import os from 'node:os';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { selectRuntime } from '../backend/model/runtime/runtime.js';
import { parseModelConfig } from '../backend/model/core/config.js';
import { charTokenizer } from '../backend/model/tokenizers/char-tokenizer.js';
import { compactTemplate } from '../backend/model/tokenizers/chat-template.js';
import { stopTokenIds } from '../backend/model/tokenizers/stop-tokens.js';
import { createDecodeSession } from '../backend/model/core/generate.js';
import type { Transformer } from '../backend/model/core/transformer.js';
import { tf } from '../backend/model/core/tf.js';
import { gradeSync } from '../backend/math/index.js';
import { generateSynthetic, rootCandidates, type Family, type SyntheticProblem } from '../backend/data/synthetic.js';
import { isNearMiss } from '../backend/data/near-miss.js';
import { runEpisodes, type EpisodeDialogue, type EpisodeResult } from '../backend/rl/episode.js';
import {
  DEFAULT_BASE_MODEL_SPEC,
  loadBaseModelDir,
  pretrainBaseModel,
  resolveBaseModelSpec,
  saveBaseModel,
  type BaseModelInfo,
} from '../backend/pretrain/base-model.js';
import { evaluateSampled } from '../backend/eval/sampled.js';
import { baseModelCheck } from '../backend/eval/base-model-check.js';
import { sweepFromSolvedAt } from '../backend/eval/k-attempt.js';

const { values } = parseArgs({
  options: {
    label: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    families: { type: 'string' },
    levels: { type: 'string' },
    'retry-share': { type: 'string' },
    'retry-first': { type: 'string' },
    style: { type: 'string' },
    eval: { type: 'string', default: '300' },
    attempts: { type: 'string', default: '5' },
    samples: { type: 'string', default: '5' },
    digits: { type: 'string' },
    save: { type: 'string' },
    'add-check': { type: 'string' },
    split: { type: 'string', default: 'validation' },
    seed: { type: 'string' },
    hidden: { type: 'string' },
    layers: { type: 'string' },
    'first-candidate-share': { type: 'string' },
    out: { type: 'string', default: 'bench/results/base-model.json' },
  },
});

const log = (s: string) => process.stdout.write(s + '\n');
const runtime = await selectRuntime();
const D = DEFAULT_BASE_MODEL_SPEC;
if (values['add-check']) {
  const dir = path.resolve(values['add-check']);
  const info = JSON.parse(readFileSync(path.join(dir, 'base-model.json'), 'utf8')) as BaseModelInfo;
  const { model } = await loadBaseModelDir(dir, resolveBaseModelSpec(info.spec));
  const check = await baseModelCheck(model, info.spec.task);
  model.dispose();
  writeFileSync(path.join(dir, 'base-model.json'), JSON.stringify({ ...info, check }, null, 2) + '\n');
  log(`${dir}: check ${JSON.stringify(check)}`);
  process.exit(0);
}
const config = parseModelConfig({
  ...D.config,
  ...(values.hidden ? { hiddenSize: Number(values.hidden), intermediateSize: 3 * Number(values.hidden) } : {}),
  ...(values.layers ? { numLayers: Number(values.layers) } : {}),
});
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const task = {
  families: values.families ? (values.families.split(',') as Family[]) : D.task.families,
  levels: values.levels ? values.levels.split(',').map(Number) : D.task.levels,
  ...(values.digits ? { digits: JSON.parse(values.digits) as Partial<Record<Family, number[][]>> } : D.task.digits ? { digits: D.task.digits } : {}),
};
const spec = {
  ...D,
  config,
  seed: num(values.seed, D.seed),
  steps: num(values.steps, D.steps),
  batchSize: num(values.batch, D.batchSize),
  lr: num(values.lr, D.lr),
  task,
  retryExampleShare: num(values['retry-share'], D.retryExampleShare),
  retryFirstAttempt: (values['retry-first'] ?? D.retryFirstAttempt) as 'far' | 'near-miss',
  answerStyle: (values.style ?? D.answerStyle) as 'boxed' | 'reversed',
  firstCandidateShare: values['first-candidate-share'] === undefined ? D.firstCandidateShare : Number(values['first-candidate-share']),
};
const label =
  values.label ??
  `${task.families.join('+')}-L${task.levels.join('')}-d${config.hiddenSize}x${config.numLayers}-s${spec.steps}-r${spec.retryExampleShare}-${spec.retryFirstAttempt}-${spec.answerStyle}-lr${spec.lr}`;
log(`runtime ${runtime.name}; ${label}`);

const t0 = performance.now();
const res = await pretrainBaseModel({
  ...spec,
  onProgress: (p) => {
    if (p.step % 50 === 0 || p.step === p.steps)
      log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ${p.elapsedSeconds.toFixed(0)}s`);
  },
});
const model = res.model;

/** The episode environment's dialogue from the compact template: don't close a turn the model closed. */
const dialogue: EpisodeDialogue = {
  prompt: (q, n) => compactTemplate.prompt(q, n),
  feedback: (left, closed) => {
    const fb = compactTemplate.feedback(left);
    return closed && fb.startsWith('<|im_end|>') ? fb.slice('<|im_end|>'.length) : fb;
  },
};
const stopIds = stopTokenIds(charTokenizer, compactTemplate.endOfTurn);

async function episodes(m: Transformer, problems: SyntheticProblem[], k: number): Promise<EpisodeResult[]> {
  const out: EpisodeResult[] = [];
  const chunk = 200;
  for (let i = 0; i < problems.length; i += chunk) {
    const ps = problems.slice(i, i + chunk);
    const session = createDecodeSession(m, { batchSize: ps.length, maxLength: m.config.maxPositions, temperature: 0, topP: 1, seed: 0 });
    try {
      out.push(
        ...(await runEpisodes(
          ps.map((p) => ({ questionId: p.id, question: p.question, gold: p.answer, attemptsAllowed: k })),
          {
            decoder: session,
            tokenizer: { encode: (s) => charTokenizer.encode(s), decode: (ids) => charTokenizer.decode(ids) },
            dialogue,
            judge: (text, gold) => gradeSync(text, gold),
            isAttemptComplete: (text) => /\\boxed\{[^{}]*\}/.test(text),
          },
          { mode: 'multi-attempt', maxTokensPerAttempt: 32, maxTotalTokens: 32 * k, stopTokenIds: stopIds },
        )),
      );
    } finally {
      session.dispose();
    }
  }
  return out;
}

function summarise(eps: EpisodeResult[], problems: SyntheticProblem[], K: number) {
  const n = eps.length;
  const accuracyByK: Record<string, number> = {};
  sweepFromSolvedAt(eps.map((e) => e.solvedAt), K).forEach((c, i) => (accuracyByK[i + 1] = c / n));
  let retries = 0;
  let repeats = 0;
  let malformed = 0;
  let switchedToCorrect = 0;
  let firstWrongNear = 0;
  let firstWrong = 0;
  eps.forEach((e, i) => {
    const first = e.attempts[0]!;
    if (first.verdict === 'wrong' && first.extracted !== null) {
      firstWrong++;
      if (isNearMiss(problems[i]!, first.extracted)) firstWrongNear++;
    }
    e.attempts.forEach((a, j) => {
      if (j === 0) return;
      retries++;
      if (a.verdict === 'no_box' || a.verdict === 'over_budget') malformed++;
      if (a.verdict === 'correct') switchedToCorrect++;
      const earlier = e.attempts.slice(0, j).filter((b) => b.verdict !== 'correct' && b.extracted !== null).map((b) => b.extracted);
      if (a.extracted !== null && earlier.includes(a.extracted)) repeats++;
    });
  });
  const byLevel: Record<string, { n: number; accuracyK1: number }> = {};
  for (const lv of [...new Set(problems.map((p) => p.level))].sort()) {
    const idx = problems.map((p, i) => (p.level === lv ? i : -1)).filter((i) => i >= 0);
    byLevel[lv] = { n: idx.length, accuracyK1: idx.filter((i) => eps[i]!.solvedAt === 0).length / idx.length };
  }
  // Per family: accuracy at k = 1..K, and for two-root questions which candidate the first attempt wrote.
  const byFamily: Record<string, { n: number; accuracyByK: number[]; firstWroteARoot?: number; firstWroteFirstRoot?: number }> = {};
  for (const f of [...new Set(problems.map((p) => p.family))].sort()) {
    const idx = problems.map((p, i) => (p.family === f ? i : -1)).filter((i) => i >= 0);
    const sweep = sweepFromSolvedAt(idx.map((i) => eps[i]!.solvedAt), K).map((c) => c / idx.length);
    const roots = idx.map((i) => ({ c: rootCandidates(problems[i]!.question), first: eps[i]!.attempts[0]!.extracted }));
    byFamily[f] = {
      n: idx.length,
      accuracyByK: sweep,
      ...(f === 'root'
        ? {
            firstWroteARoot: roots.filter((r) => r.c && r.first !== null && r.c.includes(r.first)).length / idx.length,
            firstWroteFirstRoot: roots.filter((r) => r.c && r.first === r.c[0]).length / idx.length,
          }
        : {}),
    };
  }
  return {
    n,
    accuracyByK,
    byLevel,
    byFamily,
    retries,
    repeatRate: retries ? repeats / retries : null,
    malformedRetryRate: retries ? malformed / retries : null,
    switchToCorrectRate: retries ? switchedToCorrect / retries : null,
    firstAttemptMalformed: eps.filter((e) => e.attempts[0]!.verdict !== 'correct' && e.attempts[0]!.verdict !== 'wrong').length / n,
    firstWrongNearMissShare: firstWrong ? firstWrongNear / firstWrong : null,
  };
}

const evalN = Number(values.eval);
if (values.split !== 'validation' && values.split !== 'test') throw new Error(`--split must be validation or test, got '${values.split}'`);
const test = generateSynthetic({ seed: 12345, count: evalN, split: values.split, families: task.families, levels: task.levels, digits: task.digits });
const trainSeen = res.seenSample.slice(0, Math.min(evalN, res.seenSample.length));
const K = Number(values.attempts);
const te0 = performance.now();
const testEps = await episodes(model, test, K);
const trainEps = await episodes(model, trainSeen, K);
const testSummary = summarise(testEps, test, K);
const trainSummary = summarise(trainEps, trainSeen, K);
// n single-turn samples per question at temperature 1 (the RL rollouts' temperature): pass@k, per family too.
const nSamples = Number(values.samples);
const sampled =
  nSamples > 0
    ? await evaluateSampled(
        { model, tokenizer: charTokenizer, template: compactTemplate },
        [{ name: 'synthetic', questions: test.map((p) => ({ id: p.id, question: p.question, gold: p.answer })) }],
        { samples: nSamples, prompt: 'single-turn', temperature: 1, topP: 1, seed: 1, maxTokensPerAttempt: 32, maxTotalTokens: 32, batchSize: 64 },
      )
    : null;
const evalSeconds = (performance.now() - te0) / 1000;
const sampledSummary = sampled
  ? {
      temperature: 1,
      samplesPerQuestion: nSamples,
      meanAccuracy: sampled.datasets[0]!.meanAccuracy,
      passAtK: sampled.datasets[0]!.passAtK,
      /** pass@n minus greedy accuracy within K attempts: what sampling finds that greedy retries do not. */
      passAtNMinusGreedyK: sampled.datasets[0]!.passAtK[nSamples]! - testSummary.accuracyByK[Math.min(K, nSamples)]!,
    }
  : null;
const wallSeconds = (performance.now() - t0) / 1000;
const examples = testEps.filter((e) => e.attempts.length > 1).slice(0, 5).map((e) => ({ q: e.task.question, gold: e.task.gold, attempts: e.attempts.map((a) => a.response) }));
const savedDir = values.save ? await saveBaseModel(path.resolve(values.save), res, { check: await baseModelCheck(model, task) }) : null;
model.dispose();

const entry = {
  label,
  date: new Date().toISOString(),
  runtime: runtime.name,
  device: runtime.device,
  cpus: os.cpus().length,
  loadAverage1m: os.loadavg()[0],
  /** Which split `test` below was measured on (validation unless a reported configuration's final number). */
  evalSplit: values.split,
  spec: { ...spec, config: { hiddenSize: config.hiddenSize, numLayers: config.numLayers, intermediateSize: config.intermediateSize, maxPositions: config.maxPositions } },
  parameters: res.metrics.parameterCount,
  train: res.metrics,
  test: testSummary,
  sampled: sampledSummary,
  /** The same measurement on problems the model was trained on (memorisation check). */
  trainSeen: trainSummary,
  trainSplitSeenAccuracyK1: trainSummary.accuracyByK[1],
  testAccuracyK1: testSummary.accuracyByK[1],
  evalSeconds,
  wallSeconds,
  examples,
  tensorsLeft: tf.memory().numTensors,
  ...(savedDir ? { savedDir, specHash: path.basename(savedDir).slice('base-'.length) } : {}),
};
log(JSON.stringify({ ...entry, train: { ...entry.train, lossCurve: undefined } }, null, 1));
mkdirSync(path.dirname(values.out), { recursive: true });
let all: Record<string, unknown> = {};
try {
  all = JSON.parse(readFileSync(values.out, 'utf8'));
} catch {
  all = {};
}
all[label] = entry;
writeFileSync(values.out, JSON.stringify(all, null, 2) + '\n');
log(`wrote ${values.out}`);
