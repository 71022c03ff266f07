import type { Command } from '../command.ts';

export const studyCommands: Command[] = [];
