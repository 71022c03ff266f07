import type { Command } from '../command.ts';

export const rsaCommands: Command[] = [];
