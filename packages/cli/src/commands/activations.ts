import type { Command } from '../command.ts';

export const activationsCommands: Command[] = [];
