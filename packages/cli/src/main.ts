#!/usr/bin/env node
/** Entry point of the `concord` command. */
import { runCli } from './run.ts';

const code = await runCli(process.argv.slice(2), { cwd: process.env.INIT_CWD ?? process.cwd() });
process.exitCode = code;
