import type { Command } from '../command.ts';

export const apiCommands: Command[] = [];
