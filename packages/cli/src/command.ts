/**
 * The command framework every `concord` command follows: `--help` on every command; `--json` prints exactly one
 * JSON document on stdout (progress and logs go to stderr); exit 0 on success, 2 on bad usage or bad input (a
 * one-line message naming what was wrong), 1 on internal failure.
 */

import { parseArgs } from 'node:util';
import { ConcordError } from '@concord/core/errors';
import { CLI_ERRORS } from './errors.ts';

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
    super(CLI_ERRORS.USAGE, message);
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
    const unknown = unknownFlag(e, argv);
    if (unknown !== undefined) {
      const near = closestFlag(unknown, Object.keys(options));
      throw new UsageError(
        `unknown option '${unknown}'${near ? `; did you mean --${near}?` : ''} (see concord ${cmd.name} --help)`,
      );
    }
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
      `missing argument ${cmd.positionals?.[parsed.positionals.length].name} (see concord ${cmd.name} --help)`,
    );
  if (parsed.positionals.length > (cmd.positionals?.length ?? 0))
    throw new UsageError(`unexpected argument '${parsed.positionals[cmd.positionals?.length ?? 0]}'`);
  return { opts, positionals: parsed.positionals };
}

/** The flag parseArgs rejected as unknown ('--methd' or '-x'), if that was the error. */
function unknownFlag(e: unknown, argv: string[]): string | undefined {
  if ((e as { code?: string }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return undefined;
  const quoted = /'(-{1,2}[^']*)'/.exec((e as Error).message)?.[1];
  return quoted ?? argv.find((a) => a.startsWith('-'));
}

/** The valid flag nearest to `given` (edit distance ≤ a third of its length, at least 2), or undefined. */
export function closestFlag(given: string, flags: readonly string[]): string | undefined {
  const name = given.replace(/^-+/, '').split('=')[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const f of flags) {
    const d = editDistance(name, f);
    if (d < bestDistance) {
      bestDistance = d;
      best = f;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions; adjacent swaps count 1 as in Damerau's). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
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

/**
 * Options the parser guarantees (declared `required`, or with a `default`), typed as present: the value, or a
 * UsageError naming the flag if a command asks for one it did not declare so.
 */
export function requiredString(opts: ParsedOptions, name: string): string {
  const v = stringOption(opts, name);
  if (v === undefined) throw new UsageError(`missing required option --${name}`);
  return v;
}

export function requiredNumber(
  opts: ParsedOptions,
  name: string,
  constraints: { integer?: boolean; min?: number } = {},
): number {
  const v = numberOption(opts, name, constraints);
  if (v === undefined) throw new UsageError(`missing required option --${name}`);
  return v;
}

export function requiredChoice<T extends string>(opts: ParsedOptions, name: string, choices: readonly T[]): T {
  const v = choiceOption(opts, name, choices);
  if (v === undefined) throw new UsageError(`missing required option --${name}`);
  return v;
}
