// Questions the API asks the studio's own CLI in a child process, so tfjs never loads in the API process:
// a run config's memory estimate (`train --dry-run --json`) and the runtime a worker would pick (`runtime --json`).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../rl/config.js';
import type { MethodOutput, RuntimeInfo } from './contract.js';

const BIN = fileURLToPath(new URL('../../bin/attempt-studio.js', import.meta.url));

/** `train --dry-run --json` on the config in a child process (tfjs never loads in the API process). */
export function estimateMemory(config: RunConfig): Promise<MethodOutput<'config:estimate'>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'as-estimate-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'train', '--config', file, '--dry-run', '--json'],
      { timeout: 120_000, env: { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) } },
      (err, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        const last = stdout.trim().split('\n').at(-1) ?? '';
        try {
          const r = JSON.parse(last) as { fits: boolean; peakBytes: number; availableBytes: number; available: string; device: string };
          const why = r.fits ? null : stderr.trim().split('\n').find((l) => l.trim() !== '' && !l.startsWith('Dry run')) ?? 'does not fit';
          resolve({ fits: r.fits, peakBytes: r.peakBytes, availableBytes: r.availableBytes, available: r.available, device: r.device, message: why });
        } catch {
          const message = stderr.trim().split('\n').filter((l) => l && !l.startsWith('Dry run')).join(' ') || (err as Error | null)?.message || 'no estimate';
          resolve({ fits: false, peakBytes: null, availableBytes: null, available: null, device: null, message });
        }
      },
    );
  });
}

/** The compute runtime a worker would pick, asked of a child process (tfjs never loads in the API process). */
export function probeRuntime(): Promise<RuntimeInfo> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, 'runtime', '--json'],
      { timeout: 120_000, env: { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) } },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`runtime probe failed: ${stderr.trim() || err.message}`));
        try {
          const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as RuntimeInfo;
          resolve({ name: r.name, device: r.device, reason: r.reason, tfBackend: r.tfBackend });
        } catch (e) {
          reject(new Error(`runtime probe printed no JSON: ${(e as Error).message}`));
        }
      },
    );
  });
}
