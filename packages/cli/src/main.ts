#!/usr/bin/env node
/**
 * Entry point of the `concord` command (compiled: packages/cli/dist/main.js, the package's bin). `--version` answers
 * before any command module or analysis package loads, so it costs about a bare `node` start.
 */
import process from 'node:process';

const argv = process.argv.slice(2);
if (argv[0] === '--version') {
  const { VERSION } = await import('@concord/core/version');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { runCli } = await import('./run.ts');
  process.exitCode = await runCli(argv, { cwd: process.env.INIT_CWD ?? process.cwd() });
}
