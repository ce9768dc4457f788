// The shape of one CLI command and the shared argument parsing / help rendering for all of them.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. FILE. */
  value?: string;
  description: string;
  default?: string | boolean;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage line after `attempt-studio <name>`. */
  usage?: string;
  options: Record<string, OptionSpec>;
  /** Extra paragraphs printed after the options in --help. */
  details?: string;
  allowPositionals?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** An error whose message is shown to the user as-is (no stack trace); exit code 2 for usage errors. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [key, spec] of Object.entries(cmd.options)) {
    options[key] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: cmd.allowPositionals ?? false,
      strict: true,
    });
    const withDefaults = { ...values } as ParsedArgs['values'];
    for (const [key, spec] of Object.entries(cmd.options)) {
      if (withDefaults[key] === undefined && spec.default !== undefined) withDefaults[key] = spec.default;
    }
    return { values: withDefaults, positionals };
  } catch (err) {
    throw new UserError(`${(err as Error).message}\nRun 'attempt-studio ${cmd.name} --help' for usage.`, 2);
  }
}

export function renderHelp(cmd: Command): string {
  const lines = [`Usage: attempt-studio ${cmd.name} ${cmd.usage ?? '[options]'}`, '', cmd.summary, ''];
  const entries = Object.entries(cmd.options);
  if (entries.length > 0) {
    lines.push('Options:');
    const heads = entries.map(([key, spec]) => {
      const short = spec.short ? `-${spec.short}, ` : '    ';
      return `  ${short}--${key}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    });
    const width = Math.max(...heads.map((h) => h.length), 20) + 2;
    entries.forEach(([, spec], i) => {
      const def = spec.default !== undefined && spec.default !== false ? ` (default: ${spec.default})` : '';
      lines.push(`${heads[i]!.padEnd(width)}${spec.description}${def}`);
    });
  }
  lines.push(`  -h, --help`.padEnd(22) + '  Show this help');
  if (cmd.details) lines.push('', cmd.details);
  return lines.join('\n') + '\n';
}

/** Typed accessors for parsed values. */
export function str(args: ParsedArgs, key: string): string | undefined {
  const v = args.values[key];
  return typeof v === 'string' ? v : undefined;
}

export function flag(args: ParsedArgs, key: string): boolean {
  return args.values[key] === true;
}

export function int(args: ParsedArgs, key: string): number | undefined {
  const v = str(args, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UserError(`--${key} must be an integer, got '${v}'`, 2);
  return n;
}

/** The options every command that opens the database shares: --db and --data-dir. */
export const DATA_OPTIONS: Record<'db' | 'data-dir', OptionSpec> = {
  db: { type: 'string', value: 'PATH', description: 'SQLite database (default: attempt-studio.db in the data folder; $ATTEMPT_STUDIO_DB)' },
  'data-dir': {
    type: 'string',
    value: 'DIR',
    description: 'Data folder: database, checkpoints, models, exports (default: settings.json dataDir, else the per-user app-data folder; $ATTEMPT_STUDIO_DATA_DIR)',
  },
};

/** The data folder and database chosen by --db / --data-dir / environment / settings / platform default. */
export async function dataLocationOf(args: ParsedArgs): Promise<{ dataDir: string; dbPath: string; source: string }> {
  const { resolveDataLocation } = await import('../db/data-location.js');
  try {
    return resolveDataLocation({ db: str(args, 'db'), dataDir: str(args, 'data-dir') });
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

/** Opens the command's database; a failure (read-only or full disk, no permission) is a clear UserError. */
export async function openDbOrExplain(dbPath: string, dataDir = dbPath.replace(/[/\\][^/\\]*$/, '')): Promise<import('../db/open-db.js').Db> {
  const { openDb } = await import('../db/open-db.js');
  const { cannotOpenDatabaseMessage } = await import('./known-errors.js');
  try {
    return openDb(dbPath);
  } catch (err) {
    throw new UserError(cannotOpenDatabaseMessage(err, dbPath, dataDir));
  }
}

/** The option every command that computes shares: --runtime NAME. */
export const RUNTIME_OPTION: Record<'runtime', OptionSpec> = {
  runtime: { type: 'string', value: 'NAME', description: 'Force a compute runtime (see `attempt-studio runtime`)' },
};

/**
 * Selects the compute runtime (loads tfjs, so only commands that compute call it): `force` names one, else the
 * fastest available. An unknown name is a usage error (exit 2); a runtime that cannot start, a clear UserError.
 */
export async function selectRuntimeOrExplain(force: string | undefined, opts: { probeAll?: boolean } = {}): Promise<import('../model/runtime/runtime.js').RuntimeReport> {
  const { parseRuntimeName, selectRuntime } = await import('../model/runtime/runtime.js');
  let name;
  try {
    name = force === undefined ? undefined : parseRuntimeName(force);
  } catch (err) {
    throw new UserError((err as Error).message, 2);
  }
  try {
    return await selectRuntime({ force: name, probeAll: opts.probeAll });
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}
