#!/usr/bin/env node
// The `attempt-studio` command: registers the TypeScript loader (tsx) and hands over to backend/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main, reportFatal } = await import('../backend/cli.ts');
// Never a stack trace: what escapes every command is one line (backend/commands/known-errors.ts), exit 1.
process.on('uncaughtException', reportFatal);
process.on('unhandledRejection', reportFatal);
process.exitCode = await main(process.argv.slice(2));
