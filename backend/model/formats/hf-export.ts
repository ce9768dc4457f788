// Writing a model as a Hugging Face folder that transformers' AutoModelForCausalLM.from_pretrained loads:
// config.json, sharded *.safetensors (+ model.safetensors.index.json) in F32 or BF16, the tokenizer files.
// Tensors stream from the model's variables one at a time (safetensors-stream.ts).
import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { toHfConfig } from '../core/config.js';
import { INDEX_FILE } from './hf-import.js';
import { copyTokenizerFiles } from './model-folder.js';
import { writeFileAtomic } from './safetensors.js';
import { writeSafetensorsStream, type TensorToWrite, type WriteDtype } from './safetensors-stream.js';
import type { Transformer } from '../core/transformer.js';

export interface ExportOptions {
  /** F32 (exact) or BF16 (half the size; round to nearest even). Default F32. */
  dtype?: WriteDtype;
  /** Largest shard in bytes (default 4 GiB); a model larger than this is split into several files. */
  maxShardBytes?: number;
  /** Copy tokenizer.json, tokenizer_config.json, generation_config.json, … from this folder. */
  tokenizerFrom?: string;
  /** Keep the PPO value head (other tools ignore it; default false: the policy only). */
  keepValueHead?: boolean;
}

export interface ExportResult {
  files: string[];
  totalBytes: number;
}

/** Groups tensors (in order) into shards of at most maxBytes each (a larger tensor gets its own shard). */
export function planShards(sizes: readonly { name: string; bytes: number }[], maxBytes: number): string[][] {
  const shards: string[][] = [];
  let cur: string[] = [];
  let curBytes = 0;
  for (const { name, bytes } of sizes) {
    if (cur.length > 0 && curBytes + bytes > maxBytes) {
      shards.push(cur);
      cur = [];
      curBytes = 0;
    }
    cur.push(name);
    curBytes += bytes;
  }
  if (cur.length > 0) shards.push(cur);
  return shards;
}

/** Exports `model` into `dir` (created; stale shards of an earlier export are removed). */
export async function exportHfModel(model: Transformer, dir: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const dtype = opts.dtype ?? 'F32';
  const bytesPer = dtype === 'F32' ? 4 : 2;
  await mkdir(dir, { recursive: true });
  for (const f of await readdir(dir))
    if (/^model(-\d+-of-\d+)?\.safetensors$/.test(f) || f === INDEX_FILE) await unlink(path.join(dir, f));
  const keepHead = opts.keepValueHead === true && model.config.valueHead;
  const vars = [...model.params].filter(([name]) => keepHead || !name.startsWith('value_head.'));
  const sizes = vars.map(([name, v]) => ({ name, bytes: v.size * bytesPer }));
  const totalBytes = sizes.reduce((a, s) => a + s.bytes, 0);
  const shards = planShards(sizes, opts.maxShardBytes ?? 4 * 1024 ** 3);
  const byName = new Map(vars);
  const weightMap: Record<string, string> = {};
  const files: string[] = [];
  for (let s = 0; s < shards.length; s++) {
    const file =
      shards.length === 1
        ? 'model.safetensors'
        : `model-${String(s + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    const list: TensorToWrite[] = shards[s].map((name) => {
      const v = byName.get(name)!;
      weightMap[name] = file;
      return { name, shape: [...v.shape], data: async () => (await v.data()) as Float32Array };
    });
    await writeSafetensorsStream(path.join(dir, file), list, { dtype, metadata: { format: 'pt' } });
    files.push(file);
  }
  if (shards.length > 1) {
    const index = { metadata: { total_size: totalBytes }, weight_map: weightMap };
    await writeFileAtomic(path.join(dir, INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
    files.push(INDEX_FILE);
  }
  const config = { ...toHfConfig({ ...model.config, valueHead: keepHead }), torch_dtype: dtype === 'F32' ? 'float32' : 'bfloat16' };
  await writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  files.push('config.json');
  if (opts.tokenizerFrom !== undefined && path.resolve(opts.tokenizerFrom) !== path.resolve(dir))
    files.push(...(await copyTokenizerFiles(opts.tokenizerFrom, dir)));
  return { files, totalBytes };
}
