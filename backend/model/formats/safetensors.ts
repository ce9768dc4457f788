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

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

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

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

/** Parses a safetensors buffer; `where` (the file name) prefixes every error. */
export function decodeSafetensors(
  buf: Buffer,
  where: string,
): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (buf.length < 8) fail(`truncated: ${buf.length} bytes, smaller than the 8-byte header length`);
  const headerLen = Number(buf.readBigUInt64LE(0));
  if (headerLen > buf.length - 8)
    fail(
      `truncated or not a safetensors file: header length ${headerLen} exceeds the file size ${buf.length}`,
    );
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    return fail(`corrupt header (not valid JSON: ${(err as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header))
    fail('corrupt header (not a JSON object)');
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors = new Map<string, NamedArray>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = String(e?.dtype);
    const bytes = BYTES[dtype];
    if (!bytes) fail(`tensor '${name}' has dtype ${dtype}; supported: F32, F16, BF16, F64`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor '${name}' has an invalid shape`);
    const shape = e.shape as number[];
    const offs = e.data_offsets as number[];
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((d) => Number.isInteger(d) && d >= 0) ||
      offs[1] < offs[0]
    )
      fail(`tensor '${name}' has invalid data_offsets`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (offs[1] - offs[0] !== n * bytes)
      fail(
        `tensor '${name}': data_offsets span ${offs[1] - offs[0]} bytes, shape [${shape.join(', ')}] ${dtype} needs ${n * bytes}`,
      );
    if (offs[1] > dataLen)
      fail(
        `truncated: tensor '${name}' needs data up to byte ${offs[1]}, the file has ${dataLen} data bytes`,
      );
    const base = dataStart + offs[0];
    const data = new Float32Array(n);
    if (dtype === 'F32' && LITTLE_ENDIAN) new Uint8Array(data.buffer).set(buf.subarray(base, base + 4 * n));
    else if (dtype === 'F32') for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(base + 4 * i);
    else if (dtype === 'F64') for (let i = 0; i < n; i++) data[i] = buf.readDoubleLE(base + 8 * i);
    else if (dtype === 'F16')
      for (let i = 0; i < n; i++) data[i] = halfToFloat(buf.readUInt16LE(base + 2 * i));
    else {
      const u = new Uint32Array(data.buffer);
      for (let i = 0; i < n; i++) u[i] = buf.readUInt16LE(base + 2 * i) << 16;
    }
    tensors.set(name, { data, shape });
  }
  return { tensors, metadata };
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
