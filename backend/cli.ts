// The command line: a table of commands (backend/commands/*) and the dispatcher that runs one of them.
import { readFileSync } from 'node:fs';
import { type Command, parseCommandArgs, renderHelp, UserError } from './commands/command.js';
import { runtimeCommand } from './commands/runtime.js';
import { runsCommand } from './commands/runs.js';
import { gradeCommand } from './commands/grade.js';
import { trainCommand } from './commands/train.js';
import { evalCommand } from './commands/eval.js';
import { demoCommand } from './commands/demo.js';
import { sweepCommand } from './commands/sweep.js';
import { serveCommand } from './commands/serve.js';
import { generateCommand } from './commands/generate.js';
import { exportModelCommand } from './commands/export-model.js';
import { exportCommand } from './commands/export.js';
import { describeUnexpectedError } from './commands/known-errors.js';

/** Every command, in the order `--help` lists them. Later features add theirs here. */
export const commands: Command[] = [runtimeCommand, demoCommand, sweepCommand, trainCommand, evalCommand, gradeCommand, runsCommand, serveCommand, generateCommand, exportModelCommand, exportCommand];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function renderTopHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    'Usage: attempt-studio <command> [options]',
    '',
    'Attempt Studio: multi-attempt reinforcement learning of language models on math.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'attempt-studio <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/**
 * For errors that escape every command (an exception in a timer or event handler, an unhandled rejection):
 * one line, exit 1; the stack only with ATTEMPT_STUDIO_DEBUG=1.
 */
export function reportFatal(err: unknown): void {
  process.stderr.write(`attempt-studio: ${describeUnexpectedError(err)}\n`);
  if (process.env.ATTEMPT_STUDIO_DEBUG === '1') process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
}

/** Runs the CLI; returns the process exit code. Never throws: any error becomes one line on stderr (exit 1). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(renderTopHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`attempt-studio: unknown command '${name}'.\n\n${renderTopHelp()}`);
    return 2;
  }
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args === 'help') {
      process.stdout.write(renderHelp(cmd));
      return 0;
    }
    return await cmd.run(args);
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`attempt-studio ${cmd.name}: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`attempt-studio ${cmd.name}: ${describeUnexpectedError(err)}\n`);
    if (process.env.ATTEMPT_STUDIO_DEBUG === '1') process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
    return 1;
  }
}
