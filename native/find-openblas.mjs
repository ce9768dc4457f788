// Locates the OpenBLAS CBLAS header directory and library for binding.gyp; exits 1 with a reason if absent.
import fs from 'node:fs';
import path from 'node:path';

const triplets = ['x86_64-linux-gnu', 'aarch64-linux-gnu', 'arm-linux-gnueabihf', 'powerpc64le-linux-gnu'];
const includeDirs = [
  process.env.OPENBLAS_INCLUDE,
  ...triplets.flatMap((t) => [`/usr/include/${t}/openblas-pthread`, `/usr/include/${t}/openblas-openmp`, `/usr/include/${t}/openblas-serial`]),
  '/usr/include/openblas',
  '/usr/local/include',
  '/opt/homebrew/opt/openblas/include',
  '/usr/local/opt/openblas/include',
  '/usr/include',
].filter(Boolean);
const libDirs = [
  process.env.OPENBLAS_LIB,
  ...triplets.flatMap((t) => [`/usr/lib/${t}`, `/usr/lib/${t}/openblas-pthread`]),
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
  '/opt/homebrew/opt/openblas/lib',
  '/usr/local/opt/openblas/lib',
].filter(Boolean);

function findInclude() {
  return includeDirs.find((d) => fs.existsSync(path.join(d, 'cblas.h')) && fs.existsSync(path.join(d, 'openblas_config.h')));
}
function findLib() {
  for (const d of libDirs) {
    for (const f of ['libopenblas.so', 'libopenblas.dylib', 'libopenblas.a']) if (fs.existsSync(path.join(d, f))) return path.join(d, f);
  }
  return undefined;
}

const what = process.argv[2];
const found = what === 'include' ? findInclude() : what === 'lib' ? findLib() : undefined;
if (!found) {
  process.stderr.write(`OpenBLAS ${what ?? '(include|lib)'} not found (install libopenblas-dev, or set OPENBLAS_INCLUDE / OPENBLAS_LIB)\n`);
  process.exit(1);
}
process.stdout.write(found);
