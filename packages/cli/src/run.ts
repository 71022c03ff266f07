/**
 * Dispatch argv to a command and map errors to exit codes (2 bad input, 1 internal failure). Light on purpose:
 * `concord --help` and `--version` import no analysis package; a command's module loads when it runs.
 */

import { isConcordError } from '@concord/core/errors';
import { type CommandContext, helpText, parseCommandArgs, UsageError } from './command.ts';
import { COMMAND_MANIFEST, findCommand } from './commands/index.ts';
import { CLI_ERRORS } from './errors.ts';
import { progressBar } from './progress-bar.ts';

export interface RunOptions {
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

function overview(): string {
  const lines = ['Usage: concord <command> [options]   (concord <command> --help for details)', '', 'Commands:'];
  for (const c of COMMAND_MANIFEST) lines.push(`  ${c.name.padEnd(24)}${c.summary}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A failure: the message on stderr, and with --json also `{"error": {"code", "message"}}` on stdout, so a caller
 * reading stdout always gets one JSON document.
 */
function fail(
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; json: boolean },
  prefix: string,
  code: string,
  message: string,
): void {
  io.stderr.write(`${prefix}${message}\n`);
  if (io.json) io.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
}

export async function runCli(argv: string[], opts: RunOptions = {}): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    stdout.write(overview());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    const { VERSION } = await import('@concord/core/version');
    stdout.write(`${VERSION}\n`);
    return 0;
  }
  const found = await findCommand(argv);
  if (!found) {
    const sub = COMMAND_MANIFEST.filter((c) => c.name.startsWith(`${argv[0]} `));
    const hint = sub.length ? ` (subcommands: ${sub.map((c) => c.name).join(', ')})` : '';
    fail(
      { stdout, stderr, json: argv.includes('--json') },
      'concord: ',
      CLI_ERRORS.USAGE,
      `unknown command '${argv.slice(0, sub.length ? 2 : 1).join(' ')}'${hint}; run concord --help for the list`,
    );
    return 2;
  }
  const { cmd, rest } = found;
  let json = rest.includes('--json');
  try {
    const { opts: parsed, positionals } = parseCommandArgs(cmd, rest);
    if (parsed.help) {
      stdout.write(helpText(cmd));
      return 0;
    }
    json = Boolean(parsed.json);
    const quiet = Boolean(parsed.quiet);
    let printed = false;
    const ctx: CommandContext = {
      json,
      cwd: opts.cwd ?? process.cwd(),
      stdout,
      stderr,
      log: (m) => {
        if (!quiet) stderr.write(`${m}\n`);
      },
      progress: (label) => (quiet ? () => {} : progressBar(stderr, label)),
      output: (result, human) => {
        if (printed) throw new Error(`concord ${cmd.name}: output() called twice`);
        printed = true;
        if (json || !human) stdout.write(`${JSON.stringify(result, jsonReplacer, json ? undefined : 2)}\n`);
        else stdout.write(`${(human as (r: unknown) => string)(result)}\n`);
      },
    };
    // HDF5 / MAT v7.3 support is loaded on demand (it is slow to load): when any argument names such a file.
    if (rest.some((a) => /\.(mat|set|h5|hdf5)$/i.test(a))) await (await import('@concord/io')).loadHdf5();
    const code = await cmd.run(parsed, positionals, ctx);
    return code ?? 0;
  } catch (e) {
    const io = { stdout, stderr, json };
    if (e instanceof UsageError || (isConcordError(e) && e.badInput)) {
      fail(io, `concord ${cmd.name}: `, (e as { code: string }).code, oneLine((e as Error).message));
      return 2;
    }
    const code = isConcordError(e) ? e.code : CLI_ERRORS.INTERNAL;
    fail(io, `concord ${cmd.name}: internal error: `, code, oneLine(e instanceof Error ? e.message : String(e)));
    if (process.env.CONCORD_DEBUG && e instanceof Error && e.stack) stderr.write(`${e.stack}\n`);
    return 1;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** JSON has no NaN/Infinity: write them as null (documented in each command's help where they can occur). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  return value;
}
