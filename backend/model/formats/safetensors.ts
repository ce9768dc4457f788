// The safetensors file format, written and read here: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}, __metadata__}, then little-endian tensor data. Writes F32; reads
// F32, F16, BF16 and F64 into float32. Errors name the file and what is wrong.
import { open, rename, unlink } from 'node:fs/promises';
import { SafetensorsReader } from './safetensors-stream.js';
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';

export interface NamedArray {
  data: Float32Array;
  shape: number[];
}

/** Serialises F32 tensors (in the given order) and string metadata to a safetensors buffer. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, NamedArray>,
  metadata: Record<string, string> = {},
): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new Error(
        `safetensors: tensor '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}]`,
      );
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // pad so data starts 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    if (LITTLE_ENDIAN) {
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
      pos += t.data.byteLength;
    } else for (let i = 0; i < t.data.length; i++, pos += 4) out.writeFloatLE(t.data[i], pos);
  }
  return out;
}

/** Writes a file atomically: to a temporary file beside it, fsync, then rename over the target. */
export async function writeFileAtomic(file: string, data: Buffer | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Reads every tensor of a file into float32, tensor by tensor (never the whole file in one Buffer). */
export async function readSafetensors(
  file: string,
): Promise<{ tensors: Map<string, NamedArray>; metadata: Record<string, string> }> {
  const r = SafetensorsReader.open(file);
  try {
    const tensors = new Map<string, NamedArray>();
    for (const [name, e] of r.tensors) tensors.set(name, { data: r.read(name), shape: e.shape });
    return { tensors, metadata: r.metadata };
  } finally {
    r.close();
  }
}
