// Streams rows to a CSV file (RFC 4180 via csvField, UTF-8 with a byte-order mark so Excel reads it as UTF-8;
// pandas skips the mark): written to a temporary file beside the target with backpressure, yielding to the
// event loop between chunks, then moved into place — no-clobber unless overwrite, never a half-written file.
import { createWriteStream } from 'node:fs';
import { constants } from 'node:fs';
import { copyFile, link, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { csvField } from './csv.js';
import { ExportPathError } from './export-path.js';

export type CsvValue = string | number | null | undefined;

export interface CsvWriteResult {
  path: string;
  /** Data rows (without the header). */
  rows: number;
  bytes: number;
}

export const UTF8_BOM = '\ufeff';

/** One CSV line (CRLF-terminated); null and undefined become empty fields. */
export function csvLine(values: readonly CsvValue[]): string {
  return values.map((v) => (v === null || v === undefined ? '' : csvField(v))).join(',') + '\r\n';
}

/**
 * Writes `header` and every row of `rows` (consumed lazily) to `file`, which the caller has checked
 * (checkFileTarget). With overwrite false, an existing file at the end is still never replaced.
 */
export async function writeCsvFile(
  file: string,
  header: readonly string[],
  rows: Iterable<readonly CsvValue[]>,
  o: { overwrite: boolean; field?: string; chunkRows?: number },
): Promise<CsvWriteResult> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  const out = createWriteStream(tmp, { flags: 'wx' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  const chunkRows = o.chunkRows ?? 2000;
  let count = 0;
  let bytes = 0;
  try {
    let buf = UTF8_BOM + csvLine(header);
    for (const r of rows) {
      buf += csvLine(r);
      if (++count % chunkRows === 0) {
        bytes += Buffer.byteLength(buf);
        const more = out.write(buf);
        buf = '';
        await Promise.race([failed, more ? new Promise<void>((resolve) => setImmediate(resolve)) : new Promise<void>((resolve) => out.once('drain', resolve))]);
      }
    }
    bytes += Buffer.byteLength(buf);
    out.end(buf);
    await Promise.race([failed, new Promise<void>((resolve) => out.once('finish', resolve))]);
    await new Promise<void>((resolve) => (out.closed ? resolve() : out.once('close', resolve)));
    if (o.overwrite) await rename(tmp, file);
    else {
      const exists = () => new ExportPathError(`${o.field ?? 'path'}: ${file} already exists; pass overwrite: true to replace it`, o.field ?? 'path', 409);
      try {
        await link(tmp, file); // fails if the target appeared meanwhile
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw exists();
        // Filesystems without hard links (FAT, some network shares): an exclusive copy is just as safe.
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw err;
        await copyFile(tmp, file, constants.COPYFILE_EXCL).catch((e: NodeJS.ErrnoException) => {
          throw e.code === 'EEXIST' ? exists() : e;
        });
      }
      await unlink(tmp);
    }
  } catch (err) {
    if (!out.closed) await new Promise<void>((resolve) => out.destroy().once('close', resolve));
    await unlink(tmp).catch(() => {});
    throw err;
  }
  return { path: file, rows: count, bytes };
}
