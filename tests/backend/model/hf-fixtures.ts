// Test fixtures: tiny random Hugging Face model folders (Qwen2- and Llama-shaped config.json + safetensors),
// a small byte-level BPE tokenizer.json, and the PyTorch reference (tests/reference/hf_reference.py) runner.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromHfConfig } from '../../../backend/model/core/config.js';
import { parameterShapes } from '../../../backend/model/core/transformer.js';
import { Rng } from '../../../backend/model/core/rng.js';
import { writeSafetensorsStream, type WriteDtype } from '../../../backend/model/formats/safetensors-stream.js';

export const QWEN_TINY = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  vocab_size: 300,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 64,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: true,
  max_position_embeddings: 128,
  hidden_act: 'silu',
  use_sliding_window: false,
  sliding_window: 4096,
  torch_dtype: 'bfloat16',
};

export const LLAMA_TINY = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 300,
  hidden_size: 48,
  num_hidden_layers: 3,
  num_attention_heads: 6,
  num_key_value_heads: 2,
  intermediate_size: 80,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 32 },
  tie_word_embeddings: false,
  max_position_embeddings: 128,
  attention_bias: false,
  hidden_act: 'silu',
};

/**
 * Writes a random model folder: weights N(0, 1/√fan-in) (norm weights around 1, biases N(0, 0.1)) so logits
 * are well separated; `shards` > 1 splits the tensors over several files with an index.
 */
export async function writeTinyModel(
  dir: string,
  hf: Record<string, unknown>,
  opts: { seed?: number; dtype?: WriteDtype; shards?: number; extraTensors?: string[] } = {},
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const config = fromHfConfig(hf);
  const rng = new Rng(opts.seed ?? 1);
  const tensors = [...parameterShapes(config)].map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const fanIn = shape.length === 2 ? shape[1] : 1;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      data[i] = name.endsWith('norm.weight') ? 1 + 0.1 * z : name.endsWith('.bias') ? 0.1 * z : name.includes('embed') ? z : z / Math.sqrt(fanIn);
    }
    return { name, shape, data };
  });
  for (const name of opts.extraTensors ?? []) tensors.push({ name, shape: [2], data: new Float32Array(2) });
  const shards = opts.shards ?? 1;
  const per = Math.ceil(tensors.length / shards);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = shards === 1 ? 'model.safetensors' : `model-0000${s + 1}-of-0000${shards}.safetensors`;
    const part = tensors.slice(s * per, (s + 1) * per);
    for (const t of part) weightMap[t.name] = file;
    await writeSafetensorsStream(path.join(dir, file), part, { dtype: opts.dtype ?? 'F32', metadata: { format: 'pt' } });
  }
  if (shards > 1)
    writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(hf, null, 2));
}

/** GPT-2's byte → unicode table (byte-level BPE's alphabet). */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++)
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  const table: string[] = new Array<string>(256);
  bs.forEach((b, i) => (table[b] = String.fromCodePoint(cs[i])));
  return table;
}

/**
 * A byte-level BPE tokenizer.json (Qwen2-style pre-tokenizer and decoder) with 256 byte tokens, a few merges,
 * and the ChatML special tokens at the end; `chatTemplate` goes into tokenizer_config.json.
 */
export function writeTinyTokenizer(dir: string, opts: { chatml?: boolean; chatTemplate?: string } = {}): { vocabSize: number } {
  mkdirSync(dir, { recursive: true });
  const table = bytesToUnicode();
  const vocab: Record<string, number> = {};
  table.forEach((ch, b) => (vocab[ch] = b));
  const sp = table[32];
  const mergePairs: [string, string][] = [
    [sp, 't'], ['h', 'e'], [sp + 't', 'he'], ['i', 'n'], [sp, 'a'], ['\\', 'f'], ['\\f', 'r'], ['\\fr', 'a'], ['\\fra', 'c'], ['e', 'r'],
  ];
  for (const [a, b] of mergePairs) vocab[a + b] = Object.keys(vocab).length;
  const specials = opts.chatml === false ? ['<|endoftext|>', '<|begin|>', '<|end|>'] : ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
  const base = Object.keys(vocab).length;
  const added = specials.map((content, i) => ({ id: base + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
          behavior: 'Isolated',
          invert: false,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: mergePairs.map(([a, b]) => `${a} ${b}`),
    },
  };
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  const cfg: Record<string, unknown> = {
    eos_token: specials[opts.chatml === false ? 0 : 2],
    pad_token: '<|endoftext|>',
    bos_token: null,
    clean_up_tokenization_spaces: false,
    model_max_length: 128,
    tokenizer_class: 'Qwen2Tokenizer',
  };
  if (opts.chatTemplate !== undefined) cfg.chat_template = opts.chatTemplate;
  writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(cfg));
  return { vocabSize: base + specials.length };
}

/** The Python with torch for the reference (Debian's python3-torch), or a clear failure. */
export function referencePython(): string {
  const candidates = [process.env.ATTEMPT_STUDIO_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  for (const py of candidates) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    try {
      execFileSync(py, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
      return py;
    } catch {
      /* try the next */
    }
  }
  throw new Error('the PyTorch reference needs python3 with torch and numpy (apt-get install python3-torch)');
}

export interface ReferenceOutput {
  logits: number[][][];
  greedy: number[][];
}

/** Runs tests/reference/hf_reference.py on model folders (one Python process), one output per folder. */
export function runReference(dirs: string[], prompts: number[][], greedy: number): ReferenceOutput[] {
  const script = path.join(import.meta.dirname, '../../reference/hf_reference.py');
  const args = [script, ...dirs.flatMap((d) => ['--model', d]), '--prompts', JSON.stringify(prompts), '--greedy', String(greedy)];
  const out = execFileSync(referencePython(), args, { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ReferenceOutput);
}
