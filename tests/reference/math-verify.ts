// Runs the Math-Verify oracle (tests/reference/math-verify-oracle.py, a pinned PyPI install in a venv) over
// gold/prediction pairs. The oracle is a test reference only: the product never needs Python.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const ORACLE_SCRIPT = path.join(ROOT, 'tests/reference/math-verify-oracle.py');

/** The venv Python with math-verify installed: $MATH_VERIFY_PYTHON, else .venv-oracle in the repo. */
export function oraclePython(): string | null {
  const candidates = [process.env['MATH_VERIFY_PYTHON'], path.join(ROOT, '.venv-oracle/bin/python')];
  return candidates.find((p): p is string => !!p && existsSync(p)) ?? null;
}

/**
 * Math-Verify's verdict for every pair, in order, from `processes` oracle processes run side by side on
 * contiguous slices (waits for every process to finish).
 */
export async function runOracle(
  python: string,
  pairs: { gold: string; pred: string }[],
  processes = 2,
): Promise<boolean[]> {
  const size = Math.ceil(pairs.length / processes);
  const slices = Array.from({ length: processes }, (_, k) => pairs.slice(k * size, (k + 1) * size));
  return (await Promise.all(slices.map((s) => runOne(python, s)))).flat();
}

function runOne(python: string, pairs: { gold: string; pred: string }[]): Promise<boolean[]> {
  if (pairs.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn(python, [ORACLE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`math-verify oracle exited ${code}: ${err.trim().split('\n').pop()}`));
      const verdicts = out
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { equal: boolean }).equal);
      if (verdicts.length !== pairs.length)
        return reject(new Error(`math-verify oracle answered ${verdicts.length} of ${pairs.length} pairs`));
      resolve(verdicts);
    });
    child.stdin.end(pairs.map((p) => JSON.stringify({ gold: p.gold, pred: p.pred })).join('\n') + '\n');
  });
}
