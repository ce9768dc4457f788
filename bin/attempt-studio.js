#!/usr/bin/env node
// The `attempt-studio` command: registers the TypeScript loader (tsx) and hands over to backend/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../backend/cli.ts');
process.exitCode = await main(process.argv.slice(2));
