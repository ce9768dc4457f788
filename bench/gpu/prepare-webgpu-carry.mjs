#!/usr/bin/env node
// Prepares what the lent GPU machine needs for bench/gpu/webgpu-device.sh (it has no Node and no internet):
//   .gpu/node.tar.xz         this machine's Node binary (x86-64 Linux)
//   .gpu/app/*.mjs           esbuild bundles of bench/model.ts and bench/gpu/webgpu-qwen05.ts (the studio inlined)
//   .gpu/dawn.tar.xz         node_modules/webgpu (index.js, package.json, dist/linux-x64/dawn.node), unpacked
//                            beside the bundles by the device script
//   .gl/*.deb                the Vulkan and EGL loaders (libvulkan1, libegl1, libglvnd0, …) via apt-get download
// Both folders are ignored by git (.git/info/exclude) and travel with the device tool's `carry: [".gpu", ".gl"]`.
// Usage: node bench/gpu/prepare-webgpu-carry.mjs [--no-gl]
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const out = path.join(root, '.gpu');
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });

// git's exclude file (in a worktree it lives in the common git folder).
const exclude = path.resolve(root, execFileSync('git', ['rev-parse', '--git-path', 'info/exclude'], { cwd: root, encoding: 'utf8' }).trim());
mkdirSync(path.dirname(exclude), { recursive: true });
for (const dir of ['/.gpu/', '/.gl/']) {
  if (!existsSync(exclude) || !readFileSync(exclude, 'utf8').split('\n').includes(dir)) appendFileSync(exclude, `${dir}\n`);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(out, 'app'), { recursive: true });

await build({
  entryPoints: { model: 'bench/model.ts', 'webgpu-qwen05': 'bench/gpu/webgpu-qwen05.ts' },
  absWorkingDir: root,
  outdir: path.join(out, 'app'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Dawn is loaded from its own folder (its index.js finds dawn.node beside it); the rest are not used here.
  external: ['webgpu', 'better-sqlite3', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'electron'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});

const dawn = path.join(out, 'dawn', 'node_modules', 'webgpu');
mkdirSync(path.join(dawn, 'dist', 'linux-x64'), { recursive: true });
for (const f of ['package.json', 'index.js']) cpSync(path.join(root, 'node_modules/webgpu', f), path.join(dawn, f));
cpSync(path.join(root, 'node_modules/webgpu/dist/linux-x64/dawn.node'), path.join(dawn, 'dist/linux-x64/dawn.node'));
sh('tar', ['-C', path.join(out, 'dawn'), '-cJf', path.join(out, 'dawn.tar.xz'), 'node_modules']);
rmSync(path.join(out, 'dawn'), { recursive: true, force: true });
sh('tar', ['-C', path.dirname(process.execPath), '-cJf', path.join(out, 'node.tar.xz'), path.basename(process.execPath)]);

if (!process.argv.includes('--no-gl')) {
  // The device README's recipe: amd64 packages downloaded here, unpacked over / there.
  mkdirSync(path.join(root, '.gl'), { recursive: true });
  mkdirSync('/tmp/amd64/partial', { recursive: true });
  const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', '-oDir::State::Lists=/tmp/amd64'];
  sh('apt-get', [...o, 'update', '-qq']);
  sh('apt-get', [...o, 'download', 'libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'], { cwd: path.join(root, '.gl') });
}

let total = 0;
for (const dir of ['.gpu', '.gpu/app', '.gl']) {
  const p = path.join(root, dir);
  if (!existsSync(p)) continue;
  for (const f of execFileSync('ls', [p], { encoding: 'utf8' }).split('\n').filter((x) => x)) {
    const s = statSync(path.join(p, f));
    if (s.isFile()) {
      total += s.size;
      process.stdout.write(`${dir}/${f}: ${(s.size / 2 ** 20).toFixed(1)} MiB\n`);
    }
  }
}
process.stdout.write(`total ${(total / 2 ** 20).toFixed(1)} MiB (the device tool carries at most 64 MiB with the working tree)\n`);
