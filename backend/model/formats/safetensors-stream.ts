// safetensors files read tensor by tensor and written as a stream, so multi-gigabyte models (a 1.5B model is
// 3 GB in BF16, 6 GB in F32) never sit in one Buffer: the reader keeps a file handle and reads one tensor's
// bytes (converted to float32 chunk by chunk); the writer emits the header, then one tensor at a time.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { BYTES, decodeValues, headerLength, parseHeaderJson, type TensorEntry } from './safetensors-header.js';

const LITTLE_ENDIAN = endianness() === 'LE';
/** Conversion chunk (elements) for F16/BF16/F64 reads and BF16 writes. */
const CHUNK = 1 << 20;

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
    for (let i0 = 0; i0 < n; i0 += CHUNK) {
      const view = chunk.subarray(0, Math.min(CHUNK, n - i0) * bytes);
      this.readExact(view, pos + i0 * bytes, name);
      decodeValues(view, e.dtype, out, i0);
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
  const size = fstatSync(fd).size;
  const lenBuf = Buffer.alloc(Math.min(8, size));
  readSync(fd, lenBuf, 0, lenBuf.length, 0);
  const headerLen = headerLength(lenBuf, size, file);
  const hb = Buffer.alloc(headerLen);
  readSync(fd, hb, 0, headerLen, 8);
  return parseHeaderJson(hb, size, file);
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
