import type { Command } from '../command.ts';

export const similarityCommands: Command[] = [];
