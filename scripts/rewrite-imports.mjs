#!/usr/bin/env node
// Rewrites relative import paths after files moved (#17's folder split). Two uses:
//   node scripts/rewrite-imports.mjs --move MAP.json     git mv every file of MAP (a new batch of moves), fix
//                                                       every relative path in the repository, and add the
//                                                       batch to scripts/moved-paths.json
//   node scripts/rewrite-imports.mjs [FILE...]                         fix only stale paths (after a merge
//                                                                     brought the moves): every relative path
//                                                                     that names a moved file now names its new
//                                                                     place; default: all tracked source files
// A "relative path" is any string literal starting with ./ or ../ (imports, dynamic imports, new URL(...),
// path.resolve(import.meta.dirname, ...)); it is rewritten only when it names a file or folder the map moved,
// or, inside a moved file, any existing path (its depth changed).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const moveMode = args[0] === '--move';
const mapFile = path.resolve(root, moveMode ? args[1] : 'scripts/moved-paths.json');
/** old repo-relative path → new repo-relative path (files only). */
const moves = new Map(Object.entries(JSON.parse(readFileSync(mapFile, 'utf8')).moves));
const abs = (p) => path.join(root, p);
const absMoves = new Map([...moves].map(([a, b]) => [abs(a), abs(b)]));
const reverse = new Map([...absMoves].map(([a, b]) => [b, a]));

const SOURCE = /\.(ts|mts|mjs|js|cjs|svelte)$/;
function trackedSources() {
  return execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => SOURCE.test(f) && !f.startsWith('node_modules/') && !f.startsWith('renderer/dist/'))
    .map(abs);
}

/** The moved target of an absolute path (a file, `x.js` standing for `x.ts`, or a path under a moved file's folder). */
function movedTarget(target) {
  if (absMoves.has(target)) return absMoves.get(target);
  if (target.endsWith('.js')) {
    const ts = target.slice(0, -3) + '.ts';
    if (absMoves.has(ts)) return absMoves.get(ts).slice(0, -3) + '.js';
  }
  return undefined;
}

const existsAsSource = (p) => existsSync(p) || (p.endsWith('.js') && existsSync(p.slice(0, -3) + '.ts'));

function rewrite(file, oldFile) {
  const src = readFileSync(file, 'utf8');
  const oldDir = path.dirname(oldFile);
  const newDir = path.dirname(file);
  const fileMoved = oldFile !== file;
  let changed = 0;
  const out = src.replace(/(['"])(\.\.?\/[^'"\n]*)\1/g, (whole, q, spec) => {
    const oldTarget = path.resolve(oldDir, spec);
    let target = movedTarget(oldTarget);
    if (target === undefined) {
      if (!fileMoved) return whole;
      // A moved file's path to something that stayed (or to its own folder's files, which moved with it).
      const here = path.resolve(newDir, spec);
      if (existsAsSource(here) || reverse.has(here)) return whole;
      if (!existsAsSource(oldTarget) && !existsSync(path.dirname(oldTarget))) return whole;
      target = oldTarget;
    }
    let rel = path.relative(newDir, target).split(path.sep).join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    if (rel === spec) return whole;
    changed++;
    return `${q}${rel}${q}`;
  });
  if (changed > 0) writeFileSync(file, out);
  return changed;
}

/**
 * After a merge: paths in `file` that name nothing. In a moved file, a stale path was written for its old
 * folder, so it is resolved from there; elsewhere from the file's own folder. Either way through the map.
 */
function fixStale(file) {
  const src = readFileSync(file, 'utf8');
  const dir = path.dirname(file);
  const oldDir = reverse.has(file) ? path.dirname(reverse.get(file)) : dir;
  let changed = 0;
  const out = src.replace(/(['"])(\.\.?\/[^'"\n]*)\1/g, (whole, q, spec) => {
    if (existsAsSource(path.resolve(dir, spec))) return whole;
    let target;
    for (const base of oldDir === dir ? [dir] : [dir, oldDir]) {
      const t = path.resolve(base, spec);
      target = movedTarget(t) ?? (existsAsSource(t) ? t : undefined);
      if (target) break;
    }
    if (!target) return whole;
    let rel = path.relative(dir, target).split(path.sep).join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    changed++;
    return `${q}${rel}${q}`;
  });
  if (changed > 0) writeFileSync(file, out);
  return changed;
}

if (moveMode) {
  for (const [from, to] of moves) {
    execFileSync('mkdir', ['-p', path.dirname(abs(to))]);
    execFileSync('git', ['mv', from, to], { cwd: root });
  }
  const all = path.join(root, 'scripts/moved-paths.json');
  if (mapFile !== all) {
    const known = JSON.parse(readFileSync(all, 'utf8'));
    known.moves = { ...known.moves, ...Object.fromEntries(moves) };
    writeFileSync(all, `${JSON.stringify(known, null, 2)}\n`);
  }
}
const files = !moveMode && args.length > 0 ? args.map((f) => path.resolve(f)) : trackedSources();
let total = 0;
for (const f of files) {
  if (!existsSync(f)) continue;
  const n = moveMode ? rewrite(f, reverse.get(f) ?? f) : fixStale(f);
  if (n > 0) process.stdout.write(`${path.relative(root, f)}: ${n} path(s)\n`);
  total += n;
}
process.stdout.write(`${total} path(s) rewritten\n`);
