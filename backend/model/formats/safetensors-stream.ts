// safetensors files read tensor by tensor and written as a stream, so multi-gigabyte models (a 1.5B model is
// 3 GB in BF16, 6 GB in F32) never sit in one Buffer: the reader keeps a file handle and reads one tensor's
// bytes (converted to float32 chunk by chunk); the writer emits the header, then one tensor at a time.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';
/** The safetensors spec caps the JSON header at 100 MB; a larger length means a corrupt file. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** Conversion chunk (elements) for F16/BF16/F64 reads and BF16 writes. */
const CHUNK = 1 << 20;

export type StDtype = 'F32' | 'F16' | 'BF16' | 'F64';
const BYTES: Record<StDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export interface TensorEntry {
  dtype: StDtype;
  shape: number[];
  /** Byte offsets into the data section, [begin, end). */
  begin: number;
  end: number;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

/** float32 → bfloat16 bits, round to nearest even (as torch's .to(torch.bfloat16)); NaN stays NaN. */
export function floatToBf16Bits(f32Bits: number): number {
  const u = f32Bits >>> 0;
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Rounds float32 values to the nearest bfloat16 (returned as float32): what a BF16 export stores. */
export function roundToBf16(x: Float32Array): Float32Array {
  const u = new Uint32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
  for (let i = 0; i < u.length; i++) u[i] = floatToBf16Bits(u[i]) << 16;
  return new Float32Array(u.buffer);
}

/** An open safetensors file: the parsed header, and synchronous per-tensor reads into float32. */
export class SafetensorsReader {
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Record<string, string>;
  private fd: number | null;
  private readonly dataStart: number;

  private constructor(
    readonly file: string,
    fd: number,
    dataStart: number,
    tensors: Map<string, TensorEntry>,
    metadata: Record<string, string>,
  ) {
    this.fd = fd;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Opens and validates the header (dtypes, shapes, offsets inside the file); errors name the file and tensor. */
  static open(file: string): SafetensorsReader {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      const { dataStart, tensors, metadata } = parseHeader(fd, file);
      return new SafetensorsReader(file, fd, dataStart, tensors, metadata);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  private handle(): number {
    if (this.fd === null) throw new Error(`${this.file}: reader was closed`);
    return this.fd;
  }

  private readExact(buf: Uint8Array, position: number, name: string): void {
    let done = 0;
    while (done < buf.length) {
      const n = readSync(this.handle(), buf, done, buf.length - done, position + done);
      if (n === 0) throw new Error(`${this.file}: truncated while reading tensor '${name}'`);
      done += n;
    }
  }

  /** Reads one tensor as float32 (F16/BF16/F64 converted); only this tensor's bytes are in memory. */
  read(name: string): Float32Array {
    const e = this.tensors.get(name);
    if (!e) throw new Error(`${this.file}: no tensor '${name}'`);
    const n = e.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    const pos = this.dataStart + e.begin;
    if (e.dtype === 'F32' && LITTLE_ENDIAN) {
      this.readExact(new Uint8Array(out.buffer), pos, name);
      return out;
    }
    const bytes = BYTES[e.dtype];
    const chunk = Buffer.allocUnsafe(Math.min(n, CHUNK) * bytes);
    const outBits = new Uint32Array(out.buffer);
    for (let i0 = 0; i0 < n; i0 += CHUNK) {
      const m = Math.min(CHUNK, n - i0);
      const view = chunk.subarray(0, m * bytes);
      this.readExact(view, pos + i0 * bytes, name);
      if (e.dtype === 'BF16') for (let i = 0; i < m; i++) outBits[i0 + i] = view.readUInt16LE(2 * i) << 16;
      else if (e.dtype === 'F16') for (let i = 0; i < m; i++) out[i0 + i] = halfToFloat(view.readUInt16LE(2 * i));
      else if (e.dtype === 'F64') for (let i = 0; i < m; i++) out[i0 + i] = view.readDoubleLE(8 * i);
      else for (let i = 0; i < m; i++) out[i0 + i] = view.readFloatLE(4 * i);
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function parseHeader(
  fd: number,
  file: string,
): { dataStart: number; tensors: Map<string, TensorEntry>; metadata: Record<string, string> } {
  const fail = (msg: string): never => {
    throw new Error(`${file}: ${msg}`);
  };
  const size = fstatSync(fd).size;
  if (size < 8) fail(`truncated: ${size} bytes, smaller than the 8-byte header length`);
  const lenBuf = Buffer.alloc(8);
  readSync(fd, lenBuf, 0, 8, 0);
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen > size - 8)
    fail(`truncated or not a safetensors file: header length ${headerLen} exceeds the file size ${size}`);
  if (headerLen > MAX_HEADER_BYTES) fail(`corrupt header: length ${headerLen} is over the 100 MB limit`);
  const hb = Buffer.alloc(headerLen);
  readSync(fd, hb, 0, headerLen, 8);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(hb.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    return fail(`corrupt header (not valid JSON: ${(err as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('corrupt header (not a JSON object)');
  const dataStart = 8 + headerLen;
  const dataLen = size - dataStart;
  const rawMeta = header.__metadata__ ?? {};
  if (typeof rawMeta !== 'object' || rawMeta === null || Array.isArray(rawMeta)) fail(`corrupt header: __metadata__ is not an object`);
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) metadata[k] = String(v);
  const tensors = new Map<string, TensorEntry>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = String(e.dtype) as StDtype;
    if (!(dtype in BYTES)) fail(`tensor '${name}' has dtype ${dtype}; supported: F32, F16, BF16, F64`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor '${name}' has an invalid shape`);
    const shape = e.shape as number[];
    const offs = e.data_offsets as number[];
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[1] < offs[0])
      fail(`tensor '${name}' has invalid data_offsets`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (offs[1] - offs[0] !== n * BYTES[dtype])
      fail(`tensor '${name}': data_offsets span ${offs[1] - offs[0]} bytes, shape [${shape.join(', ')}] ${dtype} needs ${n * BYTES[dtype]}`);
    if (offs[1] > dataLen)
      fail(`truncated: tensor '${name}' needs data up to byte ${offs[1]}, the file has ${dataLen} data bytes`);
    tensors.set(name, { dtype, shape, begin: offs[0], end: offs[1] });
  }
  return { dataStart, tensors, metadata };
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  /** The values (float32), produced when the writer reaches this tensor (so only one is in memory at a time). */
  data: Float32Array | (() => Float32Array | Promise<Float32Array>);
}

export type WriteDtype = 'F32' | 'BF16';

/** The header JSON (padded so data starts 8-byte aligned) and the total data bytes, from shapes alone. */
function buildHeader(tensors: readonly TensorToWrite[], dtype: WriteDtype, metadata: Record<string, string>): { header: Buffer; dataBytes: number } {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const bytes = BYTES[dtype];
  let offset = 0;
  for (const t of tensors) {
    if (header[t.name] !== undefined) throw new Error(`safetensors: tensor '${t.name}' appears twice`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + n * bytes] };
    offset += n * bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const hb = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + hb.length);
  out.writeBigUInt64LE(BigInt(hb.length), 0);
  hb.copy(out, 8);
  return { header: out, dataBytes: offset };
}

function writeAll(fd: number, buf: Uint8Array): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}

/**
 * Streams tensors to `file` (via a temporary file beside it, fsync, then rename): header first, then each
 * tensor's values in order, as F32 or BF16 (round to nearest even). Returns the file's size in bytes.
 */
export async function writeSafetensorsStream(
  file: string,
  tensors: readonly TensorToWrite[],
  opts: { dtype?: WriteDtype; metadata?: Record<string, string> } = {},
): Promise<number> {
  const dtype = opts.dtype ?? 'F32';
  const { header, dataBytes } = buildHeader(tensors, dtype, opts.metadata ?? {});
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w');
  let ok = false;
  try {
    writeAll(fd, header);
    const chunk = dtype === 'BF16' ? Buffer.allocUnsafe(2 * CHUNK) : null;
    for (const t of tensors) {
      const data = typeof t.data === 'function' ? await t.data() : t.data;
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (data.length !== n)
        throw new Error(`safetensors: tensor '${t.name}' has ${data.length} values but shape [${t.shape.join(', ')}]`);
      if (dtype === 'F32' && LITTLE_ENDIAN) writeAll(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else if (dtype === 'F32') {
        const b = Buffer.allocUnsafe(4 * n);
        for (let i = 0; i < n; i++) b.writeFloatLE(data[i], 4 * i);
        writeAll(fd, b);
      } else {
        const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
        for (let i0 = 0; i0 < n; i0 += CHUNK) {
          const m = Math.min(CHUNK, n - i0);
          for (let i = 0; i < m; i++) chunk!.writeUInt16LE(floatToBf16Bits(bits[i0 + i]), 2 * i);
          writeAll(fd, chunk!.subarray(0, 2 * m));
        }
      }
    }
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) {
      try {
        unlinkSync(tmp);
      } catch {
        /* already gone */
      }
    }
  }
  renameSync(tmp, file);
  return header.length + dataBytes;
}
