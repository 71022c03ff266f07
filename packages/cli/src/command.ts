/**
 * The command framework every `concord` command follows: `--help` on every command; `--json` prints exactly one
 * JSON document on stdout (progress and logs go to stderr); exit 0 on success, 2 on bad usage or bad input (a
 * one-line message naming what was wrong), 1 on internal failure.
 */
import { parseArgs } from 'node:util';
import { ConcordError } from '@concord/core';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Allowed more than once (values collected into an array). */
  multiple?: boolean;
  short?: string;
  description: string;
  /** Placeholder shown in help, e.g. 'FILE'. */
  value?: string;
  default?: string | boolean;
  required?: boolean;
}

export interface CommandContext {
  /** Write a line to stderr (logs, never on stdout). */
  log(message: string): void;
  /** A progress callback drawing a bar on stderr (silent with --quiet). */
  progress(label?: string): import('@concord/core').ProgressCallback;
  /** Print the result: as one JSON document with --json, else through `human`. */
  output(result: unknown, human?: (r: never) => string): void;
  json: boolean;
  /** Working directory the command resolves relative paths against. */
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export type ParsedOptions = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  /** One or two words: 'info', 'fmri info'. */
  name: string;
  summary: string;
  /** Extra help text (defaults, units, examples). */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments, e.g. ['FILE']. */
  positionals?: { name: string; description: string; required?: boolean }[];
  run(
    opts: ParsedOptions,
    positionals: string[],
    ctx: CommandContext,
  ): Promise<number | undefined> | number | undefined;
}

/** Bad usage: exit code 2 with this message. */
export class UsageError extends ConcordError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

export function helpText(cmd: Command): string {
  const lines = [
    `concord ${cmd.name}${cmd.positionals?.map((p) => (p.required === false ? ` [${p.name}]` : ` ${p.name}`)).join('') ?? ''} [options]`,
    '',
    cmd.summary,
    '',
  ];
  if (cmd.positionals?.length) {
    lines.push('Arguments:');
    for (const p of cmd.positionals) lines.push(`  ${p.name.padEnd(26)}${p.description}`);
    lines.push('');
  }
  lines.push('Options:');
  const all: Record<string, OptionSpec> = {
    ...cmd.options,
    json: { type: 'boolean', description: 'print exactly one JSON document on stdout' },
    help: { type: 'boolean', short: 'h', description: 'show this help' },
  };
  for (const [k, o] of Object.entries(all)) {
    const flag = `--${k}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : '';
    const req = o.required ? ' (required)' : '';
    lines.push(`  ${flag.padEnd(26)}${o.description}${req}${def}`);
  }
  if (cmd.details) lines.push('', cmd.details);
  return `${lines.join('\n')}\n`;
}

export function parseCommandArgs(cmd: Command, argv: string[]): { opts: ParsedOptions; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    quiet: { type: 'boolean', short: 'q' },
  };
  for (const [k, o] of Object.entries(cmd.options))
    options[k] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see concord ${cmd.name} --help)`);
  }
  const opts = parsed.values as ParsedOptions;
  if (opts.help) return { opts, positionals: parsed.positionals };
  for (const [k, o] of Object.entries(cmd.options)) {
    if (opts[k] === undefined && o.default !== undefined) opts[k] = o.default;
    if (o.required && opts[k] === undefined)
      throw new UsageError(`missing required option --${k} (see concord ${cmd.name} --help)`);
  }
  const required = (cmd.positionals ?? []).filter((p) => p.required !== false).length;
  if (parsed.positionals.length < required)
    throw new UsageError(
      `missing argument ${cmd.positionals![parsed.positionals.length].name} (see concord ${cmd.name} --help)`,
    );
  if (parsed.positionals.length > (cmd.positionals?.length ?? 0))
    throw new UsageError(`unexpected argument '${parsed.positionals[cmd.positionals?.length ?? 0]}'`);
  return { opts, positionals: parsed.positionals };
}

/** Option helpers with usage errors naming the flag. */
export function numberOption(
  opts: ParsedOptions,
  name: string,
  { integer = false, min = -Infinity }: { integer?: boolean; min?: number } = {},
): number | undefined {
  const v = opts[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new UsageError(
      `--${name}: expected ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` ≥ ${min}` : ''}, received '${v}'`,
    );
  }
  return n;
}

export function stringOption(opts: ParsedOptions, name: string): string | undefined {
  const v = opts[name];
  return typeof v === 'string' ? v : undefined;
}

export function choiceOption<T extends string>(
  opts: ParsedOptions,
  name: string,
  choices: readonly T[],
): T | undefined {
  const v = opts[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v))
    throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, received '${v}'`);
  return v as T;
}
