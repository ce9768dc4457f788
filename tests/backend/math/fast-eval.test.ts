// The fast evaluator: values on hand-checked inputs, refusals outside its subset, and agreement with the
// CAS (compute-engine) on every benchmark gold answer it can read — the reference it must match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComputeEngine } from '@cortex-js/compute-engine';
import { compileLatex, pointFor } from '../../../backend/math/fast-eval.js';
import { normalize } from '../../../backend/math/index.js';
import { BENCHMARK_NAMES, loadDataset } from '../../../backend/data/index.js';

const value = (s: string, env: Record<string, number> = {}) => compileLatex(s)!.fn(env);

test('values of the everyday subset', () => {
  assert.equal(value('1+2*3'), 7);
  assert.equal(value('2^{10}'), 1024);
  assert.equal(value('-2^2'), -4);
  assert.equal(value('\\frac{3}{4}'), 0.75);
  assert.equal(value('2\\sqrt{9}'), 6);
  assert.equal(value('\\sqrt[3]{27}'), 3);
  assert.equal(value('5!'), 120);
  assert.equal(value('\\binom{5}{2}'), 10);
  assert.ok(Number.isNaN(value('\\binom{2}{5}')));
  // `\sin 2x` is sin(2x); the bare argument stops at the next function (`\sin x\cos x`).
  assert.ok(Math.abs(value('\\sin 2x', { x: 0.3 }) - Math.sin(0.6)) < 1e-12);
  assert.ok(Math.abs(value('\\sin x\\cos x', { x: 0.3 }) - Math.sin(0.3) * Math.cos(0.3)) < 1e-12);
  assert.ok(Math.abs(value('\\cos x', { x: 0.3 }) - Math.cos(0.3)) < 1e-12);
  assert.equal(value('1\\frac{4}{5}'), 1.8);
  assert.equal(value('4.5e3'), 4500);
  assert.equal(value('2e^{0}'), 2);
  assert.equal(value('(1+2)(3+4)'), 21);
  assert.equal(value('3\\cdot4\\times2\\div8'), 3);
  assert.equal(value('2x^2y', { x: 3, y: 2 }), 36);
  assert.equal(value('a_{1}+a_2', { a_1: 1, a_2: 2 }), 3);
  assert.ok(Math.abs(value('\\sin(\\pi/6)') - 0.5) < 1e-12);
  assert.ok(Math.abs(value('e^{1}') - Math.E) < 1e-12);
  assert.deepEqual(compileLatex('x^2+y+x')!.vars, ['x', 'y']);
  assert.deepEqual(compileLatex('\\omega_{n}t+\\theta')!.vars, ['\\omega_n', '\\theta', 't']);
});

test('refuses what it does not read (left to the CAS)', () => {
  for (const s of [
    '3+2i',
    '\\infty',
    '\\log_2 8',
    'x/2y',
    '\\sin^2x',
    '(1,2)',
    '1+',
    '\\frac{1}{',
    'x^{-}',
    '\\{1\\}',
    'a^b^c',
  ]) {
    assert.equal(compileLatex(s), null, s);
  }
  assert.equal(compileLatex('('.repeat(500) + '1' + ')'.repeat(500)), null);
});

test('agrees with the CAS on every benchmark gold answer (and its perturbed copy) it can read', async () => {
  const ce = new ComputeEngine();
  ce.tolerance = 0;
  let compared = 0;
  const disagreements: string[] = [];
  for (const name of BENCHMARK_NAMES) {
    for (const r of (await loadDataset(name)).records) {
      for (const answer of [r.answer, r.answer.replace(/\d/, (d) => String((Number(d) + 1) % 10))]) {
        const s = normalize(answer);
        const c = compileLatex(s);
        if (!c || c.vars.length > 8) continue;
        let theirs: number;
        const sub: Record<string, ReturnType<typeof ce.number>> = {};
        const env: Record<string, number> = {};
        c.vars.forEach((v, j) => {
          env[v] = pointFor(0, j);
          sub[v.replace(/^\\/, '')] = ce.number(env[v]!); // the engine names \\omega `omega`
        });
        const mine = c.fn(env);
        try {
          // The engine throws on a few inputs (an internal type error); those are not compared.
          const expr = ce.parse(s);
          // The engine reads some letters as constants (G: Catalan's) and subscripts as indices: skip those.
          if (!expr.isValid || expr.unknowns.length !== c.vars.length) continue;
          const nv = expr.subs(sub).N().numericValue as
            { bignumRe?: { toString(): string }; re?: number } | number | null;
          theirs = typeof nv === 'number' ? nv : Number(nv?.bignumRe?.toString() ?? nv?.re);
        } catch {
          continue;
        }
        if (!Number.isFinite(mine) || !Number.isFinite(theirs)) continue;
        compared++;
        const ok =
          mine === theirs || Math.abs(mine - theirs) <= 1e-6 * Math.max(Math.abs(mine), Math.abs(theirs));
        if (!ok) disagreements.push(`${name} ${r.id}: ${s} → ${mine} vs CAS ${theirs}`);
      }
    }
  }
  assert.ok(compared > 2000, `${compared} compared`);
  assert.deepEqual(disagreements, []);
});
