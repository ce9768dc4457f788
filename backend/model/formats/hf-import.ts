// Loading a Hugging Face model folder (or a studio checkpoint, the same layout): config.json, one or several
// *.safetensors (model.safetensors.index.json), read tensor by tensor into the transformer's variables so a
// 1.5B model never exists twice in memory; errors name the file and the tensor.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fromHfConfig, type ModelConfig } from '../core/config.js';
import { readJsonFile } from '../tokenizers/hf-tokenizer.js';
import { SafetensorsReader } from './safetensors-stream.js';
import { Transformer, parameterShapes } from '../core/transformer.js';
import { assertTensorsFit, largeTensors } from '../runtime/memory-estimate.js';
import { activeAdapter, adapterLabel } from '../runtime/webgpu-device.js';
import { tf } from '../core/tf.js';

export const INDEX_FILE = 'model.safetensors.index.json';

/** Tensors other tools store that this transformer does not need (recomputed or duplicated). */
const IGNORABLE = /(^|\.)rotary_emb\.inv_freq$/;

/** config.json of a model folder as a ModelConfig (errors name the file and field). */
export async function readModelConfig(dir: string): Promise<ModelConfig> {
  const file = path.join(dir, 'config.json');
  const raw = await readJsonFile(file);
  if (raw === null) throw new Error(`${file}: missing (not a model folder?)`);
  return fromHfConfig(raw, file);
}

/** Which file holds each tensor: the index's weight_map, or every tensor of the single model.safetensors. */
export async function weightFiles(dir: string): Promise<Map<string, string>> {
  const indexFile = path.join(dir, INDEX_FILE);
  const index = await readJsonFile(indexFile, 64 * 1024 * 1024);
  const out = new Map<string, string>();
  if (index !== null) {
    const map = index.weight_map;
    if (!map || typeof map !== 'object' || Array.isArray(map)) throw new Error(`${indexFile}: field 'weight_map' must be an object`);
    for (const [name, f] of Object.entries(map as Record<string, unknown>)) {
      if (typeof f !== 'string' || f.includes('/') || f.includes('\\') || f.startsWith('.'))
        throw new Error(`${indexFile}: weight_map['${name}'] must be a file name in the folder, got ${JSON.stringify(f)}`);
      out.set(name, path.join(dir, f));
    }
    for (const f of new Set(out.values()))
      if (!existsSync(f)) throw new Error(`${indexFile}: names ${path.basename(f)}, which is missing from ${dir}`);
    return out;
  }
  const single = path.join(dir, 'model.safetensors');
  if (!existsSync(single)) {
    const files = existsSync(dir) ? readdirSync(dir) : [];
    const hint = files.some((f) => f.endsWith('.bin') || f.endsWith('.pt'))
      ? ' (PyTorch .bin weights are not read: convert them to safetensors, e.g. save_pretrained(safe_serialization=True))'
      : '';
    throw new Error(`${dir}: no model.safetensors or ${INDEX_FILE}${hint}`);
  }
  const r = SafetensorsReader.open(single);
  try {
    for (const name of r.tensors.keys()) out.set(name, single);
  } finally {
    r.close();
  }
  return out;
}

/**
 * The config's layer count and embedding shape against the weights' own, before anything is allocated for
 * the config: a config.json that claims a million layers fails here, naming the field, not after building them.
 */
function checkConfigAgainstWeights(dir: string, config: ModelConfig, located: Map<string, string>): void {
  const file = path.join(dir, 'config.json');
  let layers = 0;
  for (const name of located.keys()) {
    const m = /^model\.layers\.(\d+)\./.exec(name);
    if (m) layers = Math.max(layers, Number(m[1]) + 1);
  }
  if (layers !== config.numLayers)
    throw new Error(`${file}: field 'num_hidden_layers' is ${config.numLayers}, but the weights hold ${layers} layer${layers === 1 ? '' : 's'}`);
  const embedFile = located.get('model.embed_tokens.weight');
  if (embedFile === undefined) return; // named as a missing tensor below
  const r = SafetensorsReader.open(embedFile);
  try {
    const shape = r.tensors.get('model.embed_tokens.weight')?.shape;
    if (shape && shape.length === 2) {
      if (shape[0] !== config.vocabSize) throw new Error(`${file}: field 'vocab_size' is ${config.vocabSize}, but model.embed_tokens.weight has ${shape[0]} rows`);
      if (shape[1] !== config.hiddenSize) throw new Error(`${file}: field 'hidden_size' is ${config.hiddenSize}, but model.embed_tokens.weight has ${shape[1]} columns`);
    }
  } finally {
    r.close();
  }
}

/**
 * Loads a model folder into a Transformer. `config` overrides config.json (e.g. with valueHead for a studio
 * critic). Each tensor is read from its file, converted to float32 and handed to its variable before the next.
 */
export async function loadHfModel(dir: string, opts: { config?: ModelConfig } = {}): Promise<Transformer> {
  const config = opts.config ?? (await readModelConfig(dir));
  const adapter = tf.getBackend() === 'webgpu' ? activeAdapter() : undefined;
  if (adapter) {
    try {
      assertTensorsFit(largeTensors(config), adapter.limits, adapterLabel(adapter));
    } catch (err) {
      throw new Error(`${path.join(dir, 'config.json')}: ${(err as Error).message}`);
    }
  }
  const located = await weightFiles(dir);
  checkConfigAgainstWeights(dir, config, located);
  const expected = parameterShapes(config);
  const readers = new Map<string, SafetensorsReader>();
  const reader = (file: string) => {
    let r = readers.get(file);
    if (!r) readers.set(file, (r = SafetensorsReader.open(file)));
    return r;
  };
  try {
    const lazy = new Map<string, { shape: number[]; readonly data: Float32Array }>();
    for (const [name, shape] of expected) {
      const file = located.get(name);
      if (file === undefined) {
        const hint = name === 'lm_head.weight' ? ' (config.json says tie_word_embeddings is false)' : '';
        throw new Error(`${dir}: missing tensor '${name}'${hint}`);
      }
      const r = reader(file);
      const e = r.tensors.get(name);
      if (!e) throw new Error(`${file}: missing tensor '${name}' (the index says it is in this file)`);
      if (e.shape.join(',') !== shape.join(','))
        throw new Error(`${file}: tensor '${name}' has shape [${e.shape.join(', ')}], the config needs [${shape.join(', ')}]`);
      lazy.set(name, {
        shape,
        get data() {
          return r.read(name);
        },
      });
    }
    const unexpected = [...located.keys()].filter(
      (k) => !expected.has(k) && !IGNORABLE.test(k) && !(config.tieEmbeddings && k === 'lm_head.weight'),
    );
    if (unexpected.length > 0)
      throw new Error(
        `${located.get(unexpected[0])}: tensor(s) ${unexpected.slice(0, 5).map((k) => `'${k}'`).join(', ')}${unexpected.length > 5 ? ', …' : ''} do not belong to this config (another architecture?)`,
      );
    return Transformer.fromWeights(config, lazy, dir);
  } finally {
    for (const r of readers.values()) r.close();
  }
}
