#!/usr/bin/env node
// Builds the optional OpenBLAS kernel addon (native/) with node-gyp; run by `npm install` and `npm run build:native`.
// Never fails the install: without a compiler or OpenBLAS it explains what is missing and exits 0 (stock tfjs is used).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const nativeDir = path.join(root, 'native');
const strict = process.argv.includes('--strict'); // for CI/dev: exit 1 when the build fails
const say = (msg) => process.stdout.write(`[native kernels] ${msg}\n`);

function giveUp(why) {
  say(`not built: ${why}`);
  say('the studio still works, with the slower stock TensorFlow.js CPU kernels (runtime report says so).');
  process.exit(strict ? 1 : 0);
}

if (process.env.ATTEMPT_STUDIO_NATIVE === '0') giveUp('ATTEMPT_STUDIO_NATIVE=0');
if (!existsSync(path.join(nativeDir, 'binding.gyp'))) giveUp('native/binding.gyp is missing');

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (!has(process.env.CXX ?? 'c++') && !has('g++') && !has('clang++')) giveUp('no C++ compiler (install g++ and make)');
if (!has('make')) giveUp('no make (install make)');
for (const what of ['include', 'lib']) {
  const r = spawnSync(process.execPath, [path.join(nativeDir, 'find-openblas.mjs'), what], { encoding: 'utf8' });
  if (r.status !== 0) giveUp(r.stderr.trim() || `OpenBLAS ${what} not found`);
}

const require = createRequire(import.meta.url);
try {
  require.resolve('node-addon-api');
} catch {
  giveUp('the node-addon-api package is not installed');
}

// node-gyp: the one npm runs us with, else npm's bundled copy next to this node, else a local install.
const candidates = [
  process.env.npm_config_node_gyp,
  path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  (() => {
    try {
      return require.resolve('node-gyp/bin/node-gyp.js');
    } catch {
      return undefined;
    }
  })(),
].filter(Boolean);
const nodeGyp = candidates.find((p) => existsSync(p));
if (!nodeGyp) giveUp('node-gyp not found (it ships with npm)');

// Offline: use the headers installed with node itself when present instead of downloading them.
const args = [nodeGyp, 'rebuild'];
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);

say(`building with ${path.relative(root, nodeGyp) || nodeGyp} ...`);
const r = spawnSync(process.execPath, args, { cwd: nativeDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  process.stdout.write(`${r.stdout}\n${r.stderr}`.split('\n').slice(-25).join('\n') + '\n');
  giveUp(`node-gyp exited with status ${r.status} (log above)`);
}
try {
  const addon = require(path.join(nativeDir, 'build/Release/attempt_native.node'));
  say(`built: ${addon.info().blas}`);
} catch (err) {
  giveUp(`built but failed to load: ${String(err.message).split('\n')[0]}`);
}
