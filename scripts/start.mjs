#!/usr/bin/env node
// `npm start`: opens the studio. Until the desktop UI lands, it shows what the command line can do.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const bin = path.join(root, 'bin/attempt-studio.js');
process.stdout.write('Attempt Studio\n\nThe desktop window is not part of this build yet; the command line is.\n\n');
spawnSync(process.execPath, [bin, 'runtime'], { stdio: 'inherit' });
process.stdout.write('\n');
const r = spawnSync(process.execPath, [bin, '--help'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
