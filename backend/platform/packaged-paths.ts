// Paths for worker processes that hold both in a source checkout and in a packaged app (Electron's
// resources/app.asar): files that must be real files on disk (native binaries) live in app.asar.unpacked.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** Whether a path points inside an asar archive (a packaged app). */
export function isInAsar(p: string): boolean {
  return /[\\/]app\.asar(?:[\\/]|$)/.test(p);
}

/** The same path in the unpacked twin folder (`app.asar` → `app.asar.unpacked`); unchanged outside asar. */
export function toUnpacked(p: string): string {
  return p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/** esbuild's platform binary package for this OS/arch (tsx transpiles worker sources with it). */
export function esbuildPackage(platform: NodeJS.Platform = process.platform, arch: string = process.arch): { name: string; binary: string } {
  return { name: `@esbuild/${platform}-${arch}`, binary: platform === 'win32' ? 'esbuild.exe' : 'bin/esbuild' };
}

/** The esbuild binary, as a real file (unpacked in a packaged app); undefined when it cannot be found. */
export function esbuildBinaryPath(): string | undefined {
  const pkg = esbuildPackage();
  try {
    return toUnpacked(path.join(path.dirname(require.resolve(`${pkg.name}/package.json`)), pkg.binary));
  } catch {
    return undefined;
  }
}

/**
 * How to fork a worker entry (.ts): `--import` names tsx by absolute URL (a packaged app's working folder
 * has no node_modules), and inside asar esbuild is pointed at its unpacked binary (asar files cannot run).
 */
export function workerLaunch(entry: string, env: NodeJS.ProcessEnv = process.env): { modulePath: string; execArgv: string[]; env: NodeJS.ProcessEnv } {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const extra: NodeJS.ProcessEnv = {};
  if (isInAsar(entry) && !env.ESBUILD_BINARY_PATH) {
    const bin = esbuildBinaryPath();
    if (bin) extra.ESBUILD_BINARY_PATH = bin;
  }
  return { modulePath: entry, execArgv: ['--import', tsx], env: { ...env, ...extra } };
}
