// `attempt-studio export-model`: write a model folder (studio checkpoint or imported model) as a Hugging Face
// folder that transformers loads — config.json, sharded safetensors (F32 or BF16), the tokenizer files — and
// optionally this project's logits on a few prompts, for bench/gpu/check-hf-export.py to compare.
import { writeFileSync } from 'node:fs';
import { type Command, str, UserError, selectRuntimeOrExplain } from './command.js';
import { parseIds } from './generate.js';

/** Parses sizes like 4GB, 500MB, 2GiB, 123456 (bytes). */
export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i.exec(v.trim());
  if (!m) throw new UserError(`--max-shard-size must be like 4GB, 500MB or a number of bytes; got '${v}'`, 2);
  const unit = (m[2] ?? 'B').toLowerCase();
  const mult: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
  return Math.floor(Number(m[1]) * mult[unit]);
}

export const exportModelCommand: Command = {
  name: 'export-model',
  summary: 'Write a checkpoint as a Hugging Face folder (config.json, sharded safetensors, tokenizer)',
  usage: '--model DIR --out DIR [--dtype f32|bf16] [--max-shard-size 4GB] [--logits-json FILE]',
  options: {
    model: { type: 'string', value: 'DIR', description: 'Checkpoint or model folder to export' },
    out: { type: 'string', value: 'DIR', description: 'Output folder (created; earlier shards in it are replaced)' },
    dtype: { type: 'string', value: 'f32|bf16', description: 'Stored precision', default: 'f32' },
    'max-shard-size': { type: 'string', value: 'SIZE', description: 'Largest safetensors file', default: '4GB' },
    'tokenizer-from': { type: 'string', value: 'DIR', description: 'Copy tokenizer files from here (default: the model folder)' },
    'logits-json': { type: 'string', value: 'FILE', description: "Also write this project's logits on --logit-prompts (for check-hf-export.py)" },
    'logit-prompts': { type: 'string', value: 'IDS;IDS', description: 'Token-id prompts for --logits-json', default: '1,2,3,4,5,6,7,8;100,200,300,400' },
    'keep-value-head': { type: 'boolean', description: 'Keep a critic\'s value head (other tools ignore it)' },
    runtime: { type: 'string', value: 'NAME', description: 'Force the compute runtime used for --logits-json' },
  },
  async run(args) {
    const dir = str(args, 'model');
    const out = str(args, 'out');
    if (!dir || !out) throw new UserError('--model DIR and --out DIR are required', 2);
    const dtypeArg = str(args, 'dtype')!.toLowerCase();
    if (dtypeArg !== 'f32' && dtypeArg !== 'bf16') throw new UserError(`--dtype must be f32 or bf16, got '${dtypeArg}'`, 2);
    const maxShardBytes = parseSize(str(args, 'max-shard-size')!);
    const logitsFile = str(args, 'logits-json');
    const prompts = str(args, 'logit-prompts')!.split(';').map((p) => parseIds(p, '--logit-prompts'));
    const { loadHfModel } = await import('../model/formats/hf-import.js');
    const { exportHfModel } = await import('../model/formats/hf-export.js');
    const { tf } = await import('../model/core/tf.js');
    await selectRuntimeOrExplain(str(args, 'runtime'));
    let model;
    try {
      model = await loadHfModel(dir);
    } catch (err) {
      throw new UserError((err as Error).message);
    }
    try {
      const res = await exportHfModel(model, out, {
        dtype: dtypeArg === 'f32' ? 'F32' : 'BF16',
        maxShardBytes,
        tokenizerFrom: str(args, 'tokenizer-from') ?? dir,
        keepValueHead: args.values['keep-value-head'] === true,
      });
      process.stdout.write(`exported ${(res.totalBytes / 1e9).toFixed(2)} GB to ${out}: ${res.files.join(', ')}\n`);
      if (logitsFile) {
        const V = model.config.vocabSize;
        const bad = prompts.flat().find((id) => id >= V);
        if (bad !== undefined) throw new UserError(`--logit-prompts: token id ${bad} is out of range for vocab_size ${V}`, 2);
        // Logits of the exported folder as re-imported (for BF16: the rounded weights transformers will see).
        const exported = await loadHfModel(out);
        const logits: number[][][] = [];
        try {
          for (const p of prompts) {
            const t = tf.tidy(() => exported.forward([p]).logits); // [1, T, V]
            try {
              logits.push(((await t.array()) as number[][][])[0]!); // async: the only read WebGPU has
            } finally {
              t.dispose();
            }
          }
        } finally {
          exported.dispose();
        }
        // Our token ids for sample texts, so the checker compares them with transformers' tokenizer.
        const { HfTokenizer } = await import('../model/tokenizers/hf-tokenizer.js');
        const { chatmlTemplate } = await import('../model/tokenizers/chat-template.js');
        const tok = await HfTokenizer.load(out);
        const texts = [
          'Hello, world! The answer is 42.',
          'Compute $\\frac{1}{2} + \\sqrt{x^2}$ and put it in \\boxed{\\dfrac{3}{4}}.',
          'Ünïcödé: π ≈ 3.14159, ∑ i², 数学, 🧮, tabs\tand\nnewlines  two  spaces',
          chatmlTemplate.prompt('What is $1+1$?', 3) + 'We add.\\boxed{2}' + chatmlTemplate.feedback(2),
        ];
        const tokenizer_samples = tok ? texts.map((text) => ({ text, ids: tok.encode(text) })) : [];
        writeFileSync(logitsFile, JSON.stringify({ model: dir, exported: out, dtype: dtypeArg, prompts, logits, tokenizer_samples }) + '\n');
        process.stdout.write(`logits of ${prompts.length} prompts written to ${logitsFile}\n`);
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
