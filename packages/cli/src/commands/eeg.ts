import type { Command } from '../command.ts';

export const eegCommands: Command[] = [];
