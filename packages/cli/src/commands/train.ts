/** `concord train` and `concord train rules`: the learning package's commands. */
import type { Command } from '../command.ts';

export const trainCommands: Command[] = [];
