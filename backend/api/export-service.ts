// The export methods behind the API: CSV files streamed from a read-only connection of their own (an open
// iterator would block the service's connection across the writer's awaits) into a chosen path or the export
// folder, and checkpoint copies; path problems become 400/409 ApiErrors naming the field.
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openDb, type Db } from '../db/open-db.js';
import { checkFileTarget, ExportPathError } from '../export/export-path.js';
import { writeCsvFile } from '../export/csv-file.js';
import { csvSource } from '../export/csv-tables.js';
import { exportCheckpoint } from '../export/checkpoint-export.js';
import { refuseExportPlace, type ExportPlaces } from '../export/export-places.js';
import { storageErrorCode } from '../db/storage-error.js';
import { ApiError, type CheckpointExportView, type CsvExportResult, type MethodParsed } from './contract.js';

/** The URL path (relative to the app) under which the HTTP server serves the export folder. */
export const EXPORTS_URL_PREFIX = 'exports/';

/** Names the export folder may serve: plain file names of CSVs, nothing that could leave the folder. */
export const EXPORT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.csv$/;

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

async function asApiError<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ExportPathError) throw new ApiError(err.status, err.message, err.field);
    // The file system said no (permission, read-only, full, a folder that vanished): a clear 4xx/507, not a 500.
    const code = storageErrorCode(err) ?? (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const status = code === 'ENOSPC' || code === 'EDQUOT' ? 507 : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 403 : 400;
      throw new ApiError(status, `${field}: cannot write there (${code}): ${(err as Error).message}`, field);
    }
    throw err;
  }
}

/** A fresh file name in the export folder: table, runs, time, and a counter if needed. */
function exportFileName(dir: string, q: MethodParsed<'export:csv'>): string {
  const runs = q.episodes ? [q.episodes.runId] : (q.runIds ?? []);
  const base = `${q.table}${runs.length > 0 ? `-run${runs.slice(0, 5).join('-')}` : '-all'}-${stamp(new Date())}`;
  for (let i = 0; ; i++) {
    const name = `${base}${i > 0 ? `-${i}` : ''}.csv`;
    if (!existsSync(path.join(dir, name))) return name;
  }
}

export async function exportCsv(o: { dbPath: string; exportDir: string; places: ExportPlaces }, q: MethodParsed<'export:csv'>): Promise<CsvExportResult> {
  return asApiError('path', async () => {
    let file: string;
    let inExportDir = false;
    if (q.path !== undefined) file = await checkFileTarget(q.path, { field: 'path', overwrite: q.overwrite, extension: '.csv', places: o.places });
    else {
      const why = refuseExportPlace(path.resolve(o.exportDir), { ...o.places, allowed: 'anywhere' });
      if (why) throw new ApiError(400, `path: ${why}; give a path`, 'path');
      await mkdir(o.exportDir, { recursive: true });
      file = path.join(o.exportDir, exportFileName(o.exportDir, q));
      inExportDir = true;
    }
    const reader = openDb(o.dbPath, { readonly: true });
    try {
      const src = csvSource(reader, q.table, { runIds: q.runIds, names: q.names, dataset: q.dataset, metric: q.metric, episodes: q.episodes });
      const r = await writeCsvFile(file, src.header, src.rows, { overwrite: q.overwrite, field: 'path' });
      const fileName = path.basename(file);
      return { ...r, fileName, downloadUrl: inExportDir ? `${EXPORTS_URL_PREFIX}${encodeURIComponent(fileName)}` : null };
    } finally {
      reader.close();
    }
  });
}

export async function exportRunCheckpoint(db: Db, q: MethodParsed<'export:checkpoint'>, places: ExportPlaces): Promise<CheckpointExportView> {
  const ck = db
    .prepare(
      `SELECT step, path FROM checkpoints WHERE run_id = @runId AND (@step IS NULL OR step = @step) ORDER BY step DESC, id DESC LIMIT 1`,
    )
    .get({ runId: q.runId, step: q.step ?? null }) as { step: number; path: string } | undefined;
  if (!ck) throw new ApiError(q.step === undefined ? 409 : 404, q.step === undefined ? `run ${q.runId} has no checkpoint yet` : `run ${q.runId} has no checkpoint at step ${q.step}`, q.step === undefined ? 'runId' : 'step');
  if (!existsSync(ck.path)) throw new ApiError(410, `the checkpoint folder of run ${q.runId} at step ${ck.step} is gone: ${ck.path}`, 'runId');
  return asApiError('destination', async () => {
    const r = await exportCheckpoint(ck.path, q.destination, { overwrite: q.overwrite, field: 'destination', places });
    return { destination: r.destination, runId: q.runId, step: ck.step, files: r.files };
  });
}
