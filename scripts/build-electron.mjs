#!/usr/bin/env node
// Bundles the sandboxed preload (electron/preload.ts) into one CommonJS file, dist/electron/preload.cjs:
// a sandboxed preload may require only 'electron', so the bridge is inlined. Used by `npm start`.
import { build } from 'esbuild';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export async function buildPreload(outfile = path.join(root, 'dist/electron/preload.cjs')) {
  await build({
    entryPoints: [path.join(root, 'electron/preload.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    logLevel: 'warning',
  });
  return outfile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await buildPreload()}\n`);
}
