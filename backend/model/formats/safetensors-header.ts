// The safetensors header, parsed and checked in one place (the tensor-by-tensor reader in safetensors-stream.ts
// is the only reader; safetensors.ts's readSafetensors goes through it): the 8-byte little-endian length,
// the JSON {name: {dtype, shape, data_offsets}, __metadata__}, every entry validated against the file's size.
// Errors name the file (`where`) and the tensor.

export type StDtype = 'F32' | 'F16' | 'BF16' | 'F64';
export const BYTES: Record<StDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/** The safetensors spec caps the JSON header at 100 MB; a larger length means a corrupt file. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorEntry {
  dtype: StDtype;
  shape: number[];
  /** Byte offsets into the data section, [begin, end). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Byte offset of the data section in the file. */
  dataStart: number;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

const fail = (where: string, msg: string): never => {
  throw new Error(`${where}: ${msg}`);
};

/** The header's JSON length from the file's first bytes (`first`: up to 8 bytes), checked against its size. */
export function headerLength(first: Buffer, fileSize: number, where: string): number {
  if (fileSize < 8 || first.length < 8) fail(where, `truncated: ${fileSize} bytes, smaller than the 8-byte header length`);
  const headerLen = Number(first.readBigUInt64LE(0));
  if (headerLen > fileSize - 8)
    fail(where, `truncated or not a safetensors file: header length ${headerLen} exceeds the file size ${fileSize}`);
  if (headerLen > MAX_HEADER_BYTES) fail(where, `corrupt header: length ${headerLen} is over the 100 MB limit`);
  return headerLen;
}

/** Parses and validates the JSON header (`json`: its bytes) of a file of `fileSize` bytes. */
export function parseHeaderJson(json: Buffer, fileSize: number, where: string): SafetensorsHeader {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    return fail(where, `corrupt header (not valid JSON: ${(err as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail(where, 'corrupt header (not a JSON object)');
  const dataStart = 8 + json.length;
  const dataLen = fileSize - dataStart;
  const rawMeta = header.__metadata__ ?? {};
  if (typeof rawMeta !== 'object' || rawMeta === null || Array.isArray(rawMeta)) fail(where, `corrupt header: __metadata__ is not an object`);
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) metadata[k] = String(v);
  const tensors = new Map<string, TensorEntry>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = String(e.dtype) as StDtype;
    if (!(dtype in BYTES)) fail(where, `tensor '${name}' has dtype ${dtype}; supported: F32, F16, BF16, F64`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(where, `tensor '${name}' has an invalid shape`);
    const shape = e.shape as number[];
    const offs = e.data_offsets as number[];
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[1]! < offs[0]!)
      fail(where, `tensor '${name}' has invalid data_offsets`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (offs[1]! - offs[0]! !== n * BYTES[dtype])
      fail(where, `tensor '${name}': data_offsets span ${offs[1]! - offs[0]!} bytes, shape [${shape.join(', ')}] ${dtype} needs ${n * BYTES[dtype]}`);
    if (offs[1]! > dataLen)
      fail(where, `truncated: tensor '${name}' needs data up to byte ${offs[1]}, the file has ${dataLen} data bytes`);
    tensors.set(name, { dtype, shape, begin: offs[0]!, end: offs[1]! });
  }
  return { dataStart, tensors, metadata };
}

/** IEEE half-precision bits → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

/** Converts `view` (little-endian values of `dtype`) into out[at …] as float32. */
export function decodeValues(view: Buffer, dtype: StDtype, out: Float32Array, at: number): void {
  const m = view.length / BYTES[dtype];
  if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < m; i++) bits[at + i] = view.readUInt16LE(2 * i) << 16;
  } else if (dtype === 'F16') for (let i = 0; i < m; i++) out[at + i] = halfToFloat(view.readUInt16LE(2 * i));
  else if (dtype === 'F64') for (let i = 0; i < m; i++) out[at + i] = view.readDoubleLE(8 * i);
  else for (let i = 0; i < m; i++) out[at + i] = view.readFloatLE(4 * i);
}
