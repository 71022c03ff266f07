import type { Command } from '../command.ts';

export const fmriCommands: Command[] = [];
