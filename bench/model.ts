// Benchmark of the policy model on the selected runtime: training tokens/s (forward + backward + Adam) and
// KV-cache generation tokens/s at batch 64, built-in model shape; medians after warm-up.
// Usage: npm run bench:model -- [--runtime cpu|wasm|...] [--reps N] [--train-batch 32] [--train-len 128] [--ragged]
// Writes bench/results/model.json (one entry per runtime, merged with what is there).
import { parseArgs } from 'node:util';
import os from 'node:os';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../backend/model/core/tf.js';
import { selectRuntime, parseRuntimeName } from '../backend/model/runtime/runtime.js';
import { BUILTIN_MODEL_CONFIG } from '../backend/model/core/config.js';
import { Transformer } from '../backend/model/core/transformer.js';
import { createAdam } from '../backend/model/formats/checkpoint.js';
import { lmTrainStep } from '../backend/model/core/lm-train.js';
import { createDecodeSession } from '../backend/model/core/generate.js';
import { Rng } from '../backend/model/core/rng.js';

const { values } = parseArgs({
  options: {
    runtime: { type: 'string' },
    reps: { type: 'string', default: '3' },
    'train-batch': { type: 'string', default: '32' },
    'train-len': { type: 'string', default: '128' },
    'gen-batch': { type: 'string', default: '64' },
    'gen-tokens': { type: 'string', default: '64' },
    out: { type: 'string', default: 'bench/results/model.json' },
    ragged: { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);
const trainB = Number(values['train-batch']);
const trainT = Number(values['train-len']);
const genB = Number(values['gen-batch']);
const genN = Number(values['gen-tokens']);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const runtime = await selectRuntime(values.runtime ? { force: parseRuntimeName(values.runtime) } : {});
const config = BUILTIN_MODEL_CONFIG;
const model = Transformer.create(config, 0);
const parameters = model.parameterCount();
const rng = new Rng(0);
const log = (s: string) => process.stdout.write(s + '\n');
log(`runtime ${runtime.name} (tfjs '${runtime.tfBackend}'), ${model.parameterCount()} parameters`);

// Training: random token batches, all positions trained.
const ids = tf.tensor2d(
  Int32Array.from({ length: trainB * trainT }, () => rng.int(config.vocabSize)),
  [trainB, trainT],
  'int32',
);
const mask = tf.onesLike(ids);
const opt = createAdam({ learningRate: 1e-3 });
const trainTimes: number[] = [];
for (let r = 0; r <= reps; r++) {
  const t0 = performance.now();
  const loss = await lmTrainStep(model, opt, ids, mask);
  const dt = (performance.now() - t0) / 1000;
  if (r > 0) trainTimes.push(dt);
  log(`train step ${r === 0 ? '(warm-up)' : r}: ${dt.toFixed(2)} s, loss ${loss.toFixed(3)}`);
}
tf.dispose([ids, mask]);
opt.dispose();

// Generation: batch of prompts with lengths 16..48, genN new tokens each, temperature 1.
const genTimes: number[] = [];
const stepTimes: number[] = [];
let prefillTokens = 0;
for (let r = 0; r <= reps; r++) {
  const session = createDecodeSession(model, {
    batchSize: genB,
    maxLength: 48 + genN,
    temperature: 1,
    topP: 1,
    seed: r,
  });
  try {
    prefillTokens = 0;
    for (let i = 0; i < genB; i++) {
      const len = 16 + rng.int(33);
      prefillTokens += len;
      session.append(
        i,
        Array.from({ length: len }, () => rng.int(config.vocabSize)),
      );
    }
    const t0 = performance.now();
    const res = await session.generate({
      active: new Array(genB).fill(true),
      maxNewTokens: new Array(genB).fill(genN),
    });
    const dt = (performance.now() - t0) / 1000;
    const total = res.ids.reduce((a, x) => a + x.length, 0);
    if (total !== genB * genN) throw new Error(`expected ${genB * genN} tokens, got ${total}`);
    if (r > 0) {
      genTimes.push(dt);
      stepTimes.push(dt / genN);
    }
    log(
      `generate ${r === 0 ? '(warm-up)' : r}: ${dt.toFixed(2)} s for ${total} tokens (cache ${session.cacheColumns} columns)`,
    );
  } finally {
    session.dispose();
  }
}

// Optional: ragged budgets (16..255 new tokens per row), with and without dropping stopped rows, alternating.
const ragged: { draw: number; tokens: number; keepAllRows: number; dropStopped: number }[] = [];
if (values.ragged) {
  for (let draw = 0; draw < reps; draw++) {
    const tps: Record<string, number> = {};
    let tokens = 0;
    for (const compact of [false, true]) {
      const r2 = new Rng(100 + draw);
      const s = createDecodeSession(model, {
        batchSize: genB,
        maxLength: 32 + 256,
        temperature: 1,
        topP: 1,
        seed: draw,
        compact,
      });
      try {
        for (let i = 0; i < genB; i++)
          s.append(
            i,
            Array.from({ length: 32 }, () => r2.int(config.vocabSize)),
          );
        const budgets = Array.from({ length: genB }, () => 16 + r2.int(240));
        const t0 = performance.now();
        const res = await s.generate({ active: new Array(genB).fill(true), maxNewTokens: budgets });
        tokens = res.ids.reduce((a, x) => a + x.length, 0);
        tps[String(compact)] = +(tokens / ((performance.now() - t0) / 1000)).toFixed(1);
      } finally {
        s.dispose();
      }
    }
    ragged.push({ draw, tokens, keepAllRows: tps.false, dropStopped: tps.true });
    log(
      `ragged draw ${draw}: ${tokens} tokens, ${tps.false} tokens/s keeping all rows, ${tps.true} dropping stopped rows`,
    );
  }
}
model.dispose();

const cpus = os.cpus();
const result = {
  time: new Date().toISOString(),
  runtime: runtime.name,
  tfBackend: runtime.tfBackend,
  nativeKernels: runtime.nativeKernels,
  ...(runtime.adapter ? { adapter: runtime.adapter } : {}),
  machine: {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  },
  model: { name: 'builtin', parameters, ...config },
  train: {
    batch: trainB,
    seqLen: trainT,
    reps,
    medianStepSeconds: +median(trainTimes).toFixed(3),
    tokensPerSecond: +((trainB * trainT) / median(trainTimes)).toFixed(1),
    stepSeconds: trainTimes.map((x) => +x.toFixed(3)),
  },
  generate: {
    batch: genB,
    newTokensPerRow: genN,
    promptTokensTotal: prefillTokens,
    reps,
    medianSeconds: +median(genTimes).toFixed(3),
    tokensPerSecond: +((genB * genN) / median(genTimes)).toFixed(1),
    medianStepMs: +(median(stepTimes) * 1000).toFixed(1),
    seconds: genTimes.map((x) => +x.toFixed(3)),
  },
  ...(ragged.length > 0
    ? { generateRagged: { batch: genB, promptLen: 32, budgets: '16..255', draws: ragged } }
    : {}),
};
log(
  `train: ${result.train.tokensPerSecond} tokens/s (median step ${result.train.medianStepSeconds} s, batch ${trainB}×${trainT})`,
);
log(
  `generate: ${result.generate.tokensPerSecond} tokens/s (batch ${genB}, ${genN} new tokens, ${result.generate.medianStepMs} ms/step incl. prefill)`,
);

mkdirSync(path.dirname(values.out!), { recursive: true });
let all: { runs?: Record<string, unknown> } = {};
try {
  all = JSON.parse(readFileSync(values.out!, 'utf8'));
} catch {
  all = {};
}
all.runs = { ...(all.runs ?? {}), [runtime.name]: result };
writeFileSync(values.out!, JSON.stringify(all, null, 2) + '\n');
log(`wrote ${values.out}`);
